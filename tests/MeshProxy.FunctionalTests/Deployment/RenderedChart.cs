using YamlDotNet.RepresentationModel;

namespace MeshProxy.FunctionalTests.Deployment;

/// <summary>The output of <c>helm template</c>, parsed: one mapping per Kubernetes object.</summary>
internal sealed class RenderedChart
{
    private RenderedChart(string yaml, IReadOnlyList<YamlMappingNode> objects)
    {
        Text = yaml;
        Objects = objects;
    }

    public string Text { get; }

    public IReadOnlyList<YamlMappingNode> Objects { get; }

    public static RenderedChart Parse(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var objects = stream.Documents
            .Select(d => d.RootNode)
            .OfType<YamlMappingNode>()
            .ToList();
        return new RenderedChart(yaml, objects);
    }

    public YamlMappingNode Single(string kind, string name) =>
        Objects.Single(o => Yaml(o, "kind") == kind && Yaml(o, "metadata", "name") == name);

    public IEnumerable<YamlMappingNode> OfKind(string kind) => Objects.Where(o => Yaml(o, "kind") == kind);

    /// <summary>The scalar at a path of mapping keys, or null when any step is missing.</summary>
    public static string? Yaml(YamlNode node, params string[] path) => (Node(node, path) as YamlScalarNode)?.Value;

    /// <summary>The node at a path of mapping keys, or null when any step is missing.</summary>
    public static YamlNode? Node(YamlNode node, params string[] path)
    {
        YamlNode? current = node;
        foreach (var key in path)
        {
            if (current is not YamlMappingNode mapping || !mapping.Children.TryGetValue(new YamlScalarNode(key), out current))
            {
                return null;
            }
        }

        return current;
    }

    public static YamlMappingNode Mapping(YamlNode node, params string[] path) =>
        Node(node, path) as YamlMappingNode ?? throw new InvalidOperationException($"No mapping at {string.Join('.', path)}.");

    public static IReadOnlyList<YamlMappingNode> Sequence(YamlNode node, params string[] path) =>
        (Node(node, path) as YamlSequenceNode)?.Children.Cast<YamlMappingNode>().ToList() ?? [];
}
