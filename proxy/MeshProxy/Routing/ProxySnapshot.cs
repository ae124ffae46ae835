using MeshProxy.Configuration;

namespace MeshProxy.Routing;

/// <summary>Everything a call reads, built once per config: the config itself and its compiled route table.</summary>
internal sealed class ProxySnapshot(MeshProxyConfig config, RouteTable routes)
{
    public MeshProxyConfig Config { get; } = config;

    public RouteTable Routes { get; } = routes;
}
