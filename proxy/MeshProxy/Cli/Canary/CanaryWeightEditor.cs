using System.Globalization;
using System.Text;
using MeshProxy.Configuration;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace MeshProxy.Cli.Canary;

/// <summary>
/// Sets the weights of one route's <c>backends</c> in config text without re-serializing it: YamlDotNet's parser gives
/// every node its start and end character index, so the new numbers are spliced over the old weight scalars and every
/// other byte (comments, key order, block or flow style, quoting, line endings) stays as written. Errors name their
/// path as <see cref="ConfigLoader"/>'s do; the caller still validates the result with the loader's full rules.
/// </summary>
internal static class CanaryWeightEditor
{
    public static CanaryEdit Apply(string yaml, string route, IReadOnlyList<KeyValuePair<string, int>> weights)
    {
        // 1. Parse once; the nodes keep the character span they were read from.
        var errors = new ConfigErrors();
        YamlNode? root;
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(yaml));
            root = stream.Documents.Count == 1 ? stream.Documents[0].RootNode : null;
        }
        catch (YamlException ex)
        {
            return CanaryEdit.Failure(string.Empty, $"invalid YAML at line {ex.Start.Line}, column {ex.Start.Column}: {ex.InnerException?.Message ?? ex.Message}");
        }

        if (root is not YamlMappingNode map)
        {
            return CanaryEdit.Failure(string.Empty, "expected one YAML document whose root is a mapping");
        }

        // 2. Every named cluster exists, and the route exists and lists its clusters under backends:.
        foreach (var (cluster, _) in weights)
        {
            if (Get(map, "clusters") is not YamlMappingNode clusters || !HasKey(clusters, cluster))
            {
                errors.Add("clusters", $"no cluster named '{cluster}'");
            }
        }

        if (!TryFindRoute(map, route, out var routeMap, out var routePath))
        {
            errors.Add("routes", $"no route named '{route}' (routes: {string.Join(", ", RouteNames(map))})");
            return CanaryEdit.Failure(errors.All);
        }

        if (IsShared(routeMap))
        {
            return CanaryEdit.Failure(routePath, $"route '{route}' is a YAML anchor or alias shared with other places; edit it by hand");
        }

        if (Get(routeMap, "backends") is not YamlSequenceNode backends)
        {
            if (Get(routeMap, "cluster") is not null)
            {
                errors.Add($"{routePath}.cluster", $"route '{route}' sends to one cluster; list its clusters under 'backends:' with a weight each to split it");
            }
            else
            {
                errors.Add($"{routePath}.backends", $"route '{route}' has no list of backends");
            }

            return CanaryEdit.Failure(errors.All);
        }

        // 3. Each backend's (path, cluster, weight node, weight after the edit, shared through an anchor).
        var found = new List<(string Path, string Cluster, YamlNode? Weight, int? NewWeight, bool Shared)>();
        for (var j = 0; j < backends.Children.Count; j++)
        {
            var item = backends.Children[j];
            var path = $"{routePath}.backends[{j}]";
            var cluster = item is YamlMappingNode backend && Get(backend, "cluster") is YamlScalarNode { Value: { } name } ? name : null;
            var weight = item is YamlMappingNode b ? Get(b, "weight") : null;

            int? newWeight = weight is YamlScalarNode { Value: { } weightText } && int.TryParse(weightText, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var current) ? current : null;
            found.Add((path, cluster ?? string.Empty, weight, newWeight, IsShared(backends) || IsShared(item)));
        }

        // 4. Each named cluster is exactly one backend with a weight scalar that can be rewritten in place.
        var replacements = new List<(int Start, int End, string Text)>();
        foreach (var (cluster, weight) in weights)
        {
            var matches = found.Select((f, index) => (f, index)).Where(x => x.f.Cluster == cluster).ToList();
            if (matches.Count == 0)
            {
                errors.Add($"{routePath}.backends", $"cluster '{cluster}' is not a backend of route '{route}' (its backends: {string.Join(", ", found.Select(f => f.Cluster))})");
                continue;
            }

            if (matches.Count > 1)
            {
                errors.Add($"{routePath}.backends", $"cluster '{cluster}' is listed {matches.Count} times");
                continue;
            }

            var (backend, index) = matches[0];
            if (backend.Weight is null)
            {
                errors.Add(backend.Path, $"backend '{cluster}' has no weight to edit (it counts as {BackendConfig.DefaultWeight}); write 'weight: {BackendConfig.DefaultWeight}' first");
                continue;
            }

            if (backend.Shared || Splice(backend.Weight, weight, yaml) is not { } replacement)
            {
                errors.Add($"{backend.Path}.weight", "is not a plain or quoted number, or it is shared through a YAML anchor or alias; edit it by hand");
                continue;
            }

            replacements.Add(replacement);
            found[index] = backend with { NewWeight = weight };
        }

        // 5. The split still sends somewhere (the loader would say so too, but not in terms of this edit).
        if (!errors.HasErrors && found.All(f => f.NewWeight is 0))
        {
            errors.Add($"{routePath}.backends", "all weights would be zero: the route could send nothing anywhere");
        }

        if (errors.HasErrors)
        {
            return CanaryEdit.Failure(errors.All);
        }

        // 6. Splice from the end so earlier indexes stay valid; nothing else of the text is touched.
        var text = new StringBuilder(yaml);
        foreach (var (start, end, number) in replacements.OrderByDescending(r => r.Start))
        {
            text.Remove(start, end - start).Insert(start, number);
        }

        return CanaryEdit.Success(text.ToString());
    }

    /// <summary>The span of a weight scalar and its new text in the same quoting, or null when it cannot be edited in place.</summary>
    private static (int Start, int End, string Text)? Splice(YamlNode node, int weight, string yaml)
    {
        if (node is not YamlScalarNode { Value: { } value } scalar || IsShared(scalar))
        {
            return null;
        }

        var number = weight.ToString(CultureInfo.InvariantCulture);
        var (written, replacement) = scalar.Style switch
        {
            ScalarStyle.Plain => (value, number),
            ScalarStyle.SingleQuoted => ($"'{value}'", $"'{number}'"),
            ScalarStyle.DoubleQuoted => ($"\"{value}\"", $"\"{number}\""),
            _ => (string.Empty, string.Empty),
        };

        // The marks must frame exactly the scalar as written; a tag (!!int 90), an escape or a block scalar is left to
        // a human rather than guessed at.
        var start = checked((int)scalar.Start.Index);
        var end = checked((int)scalar.End.Index);
        return written.Length > 0 && end <= yaml.Length && yaml.AsSpan(start, end - start).SequenceEqual(written)
            ? (start, end, replacement)
            : null;
    }

    // An anchored node is shared with every alias of it: writing through one place would change the others.
    private static bool IsShared(YamlNode node) => !node.Anchor.IsEmpty;

    private static bool TryFindRoute(YamlMappingNode root, string route, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out YamlMappingNode? found, out string path)
    {
        if (Get(root, "routes") is YamlSequenceNode routes)
        {
            for (var i = 0; i < routes.Children.Count; i++)
            {
                if (routes.Children[i] is YamlMappingNode candidate && Get(candidate, "name") is YamlScalarNode { Value: { } name } && name == route)
                {
                    found = candidate;
                    path = $"routes[{i}]";
                    return true;
                }
            }
        }

        found = null;
        path = string.Empty;
        return false;
    }

    private static IEnumerable<string> RouteNames(YamlMappingNode root) =>
        Get(root, "routes") is YamlSequenceNode routes
            ? routes.Children.OfType<YamlMappingNode>().Select(r => Get(r, "name") is YamlScalarNode { Value: { } n } ? n : "(unnamed)")
            : [];

    private static bool HasKey(YamlMappingNode map, string key) =>
        map.Children.Keys.Any(k => k is YamlScalarNode { Value: { } text } && text == key);

    private static YamlNode? Get(YamlMappingNode map, string key) =>
        map.Children.FirstOrDefault(e => e.Key is YamlScalarNode { Value: { } text } && text == key).Value;
}
