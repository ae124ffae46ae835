using MeshProxy.Fuzz.Targets;

namespace MeshProxy.Fuzz;

internal static class FuzzTargets
{
    private static readonly FuzzTarget[] All =
    [
        new ProtoJsonTarget(),
        new PathTemplateTarget(),
        new RestRequestTarget(),
        new ConfigTarget(),
        new GrpcFrameTarget(),
    ];

    public static IEnumerable<string> Names => All.Select(t => t.Name);

    public static FuzzTarget? Find(string name) => All.FirstOrDefault(t => string.Equals(t.Name, name, StringComparison.OrdinalIgnoreCase));
}
