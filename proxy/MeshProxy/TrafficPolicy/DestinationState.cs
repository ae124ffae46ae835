namespace MeshProxy.TrafficPolicy;

/// <summary>One upstream endpoint of a cluster; later issues hang health and ejection state here.</summary>
internal sealed class DestinationState(string name, string prefix)
{
    public string Name { get; } = name;

    /// <summary>The URI prefix YARP puts before the request's :path, without a trailing slash.</summary>
    public string Prefix { get; } = prefix;
}
