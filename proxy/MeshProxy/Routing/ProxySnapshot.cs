using MeshProxy.Configuration;
using MeshProxy.Security.Authorization;

namespace MeshProxy.Routing;

/// <summary>Everything a call reads, built once per config: the config itself, its compiled route table and policies.</summary>
internal sealed class ProxySnapshot(MeshProxyConfig config, RouteTable routes)
{
    /// <summary>The compiled authorization policies; null when the config has none.</summary>
    public AuthorizationPolicySet? Authorization { get; } = AuthorizationPolicySet.Compile(config.Authorization);

    public MeshProxyConfig Config { get; } = config;

    public RouteTable Routes { get; } = routes;
}
