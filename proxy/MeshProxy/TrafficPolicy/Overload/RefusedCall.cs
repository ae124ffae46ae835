using Microsoft.AspNetCore.Http;

namespace MeshProxy.TrafficPolicy.Overload;

/// <summary>
/// The route and cluster of a call the <see cref="OverloadGate"/> refused. No <see cref="ProxyCall"/> is made for such
/// a call (it holds no slot and picks no destination), so this feature is what its metrics and access log line read
/// for the names a routed call carries: a 429 or 503 counts under its route and cluster, not under empty labels.
/// </summary>
internal sealed record RefusedCall(string Route, string Cluster)
{
    /// <summary>The route and cluster labels of the call on <paramref name="context"/>: its <see cref="ProxyCall"/>'s, a refusal's, or empty.</summary>
    public static (string Route, string Cluster) Labels(HttpContext context, ProxyCall? call) =>
        call is not null ? (call.Route.Name, call.SplitCluster.Name)
        : context.Features.Get<RefusedCall>() is { } refused ? (refused.Route, refused.Cluster)
        : (string.Empty, string.Empty);
}
