using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace MeshProxy.Configuration;

/// <summary>
/// Reads one YAML mapping key by key, as YARP's ConfigurationConfigProvider reads sections: every type error names its
/// path, and keys nobody asked for are reported as unknown when <see cref="ReportUnknownKeys"/> runs.
/// </summary>
internal sealed class YamlMapping
{
    private readonly Dictionary<string, YamlNode> _entries = new(StringComparer.Ordinal);
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);
    private readonly ConfigErrors _errors;

    private YamlMapping(string path, ConfigErrors errors)
    {
        Path = path;
        _errors = errors;
    }

    public string Path { get; }

    /// <summary>Wraps a node that must be a mapping; reports an error and returns an empty mapping otherwise.</summary>
    public static YamlMapping From(YamlNode? node, string path, ConfigErrors errors)
    {
        var mapping = new YamlMapping(path, errors);
        if (node is YamlMappingNode map)
        {
            foreach (var (key, value) in map.Children)
            {
                var name = key is YamlScalarNode { Value: { } text } ? text : key.ToString();
                if (!mapping._entries.TryAdd(name, value))
                {
                    errors.Add(mapping.Child(name), "duplicate key");
                }
            }
        }
        else if (node is not null && !IsNull(node))
        {
            errors.Add(path, $"expected a mapping, found {Describe(node)}");
        }

        return mapping;
    }

    public string Child(string key) => Path.Length == 0 ? key : $"{Path}.{key}";

    public bool Has(string key) => _entries.TryGetValue(key, out var node) && !IsNull(node);

    public YamlNode? Node(string key)
    {
        _read.Add(key);
        return _entries.TryGetValue(key, out var node) && !IsNull(node) ? node : null;
    }

    public string? String(string key)
    {
        var node = Node(key);
        if (node is null)
        {
            return null;
        }

        if (node is YamlScalarNode scalar)
        {
            return scalar.Value ?? string.Empty;
        }

        _errors.Add(Child(key), $"expected a string, found {Describe(node)}");
        return null;
    }

    public int? Int(string key)
    {
        var text = String(key);
        if (text is null)
        {
            return null;
        }

        if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        _errors.Add(Child(key), $"expected an integer, found '{text}'");
        return null;
    }

    /// <summary>A finite number (invariant culture, e.g. 1.5 or 10); reports an error for anything else.</summary>
    public double? Double(string key)
    {
        var text = String(key);
        if (text is null)
        {
            return null;
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value))
        {
            return value;
        }

        _errors.Add(Child(key), $"expected a number, found '{text}'");
        return null;
    }

    public bool? Bool(string key)
    {
        var text = String(key);
        if (text is null)
        {
            return null;
        }

        if (text is "true" or "false")
        {
            return text == "true";
        }

        _errors.Add(Child(key), $"expected true or false, found '{text}'");
        return null;
    }

    public TimeSpan? Duration(string key)
    {
        var text = String(key);
        if (text is null)
        {
            return null;
        }

        if (Configuration.Duration.TryParse(text, out var value))
        {
            return value;
        }

        _errors.Add(Child(key), $"expected a duration such as 500ms, 5s, 2m or 1h, found '{text}'");
        return null;
    }

    /// <summary>The items of a sequence with their paths; reports an error when the node is not a sequence.</summary>
    public IReadOnlyList<(YamlNode Node, string Path)> Sequence(string key)
    {
        var node = Node(key);
        if (node is null)
        {
            return [];
        }

        if (node is not YamlSequenceNode sequence)
        {
            _errors.Add(Child(key), $"expected a list, found {Describe(node)}");
            return [];
        }

        return sequence.Children.Select((item, i) => (item, $"{Child(key)}[{i}]")).ToList();
    }

    /// <summary>The entries of a mapping whose keys are names (clusters), in file order.</summary>
    public IReadOnlyList<(string Name, YamlNode? Node, string Path)> NamedEntries(string key)
    {
        var node = Node(key);
        if (node is null)
        {
            return [];
        }

        if (node is not YamlMappingNode map)
        {
            _errors.Add(Child(key), $"expected a mapping of names, found {Describe(node)}");
            return [];
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<(string, YamlNode?, string)>();
        foreach (var (k, v) in map.Children)
        {
            var name = k is YamlScalarNode { Value: { } text } ? text : k.ToString();
            var path = $"{Child(key)}.{name}";
            if (!seen.Add(name))
            {
                _errors.Add(path, "duplicate key");
                continue;
            }

            result.Add((name, IsNull(v) ? null : v, path));
        }

        return result;
    }

    public void ReportUnknownKeys()
    {
        foreach (var key in _entries.Keys)
        {
            if (!_read.Contains(key))
            {
                _errors.Add(Child(key), "unknown key");
            }
        }
    }

    private static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: not (YamlDotNet.Core.ScalarStyle.SingleQuoted or YamlDotNet.Core.ScalarStyle.DoubleQuoted) } scalar
        && (scalar.Value is null or "" or "~" or "null");

    private static string Describe(YamlNode node) => node switch
    {
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a list",
        YamlScalarNode s => $"'{s.Value}'",
        _ => node.NodeType.ToString(),
    };
}
