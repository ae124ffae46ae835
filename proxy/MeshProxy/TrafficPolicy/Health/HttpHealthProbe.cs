using System.Net;
using MeshProxy.Configuration;
using MeshProxy.Security;

namespace MeshProxy.TrafficPolicy.Health;

/// <summary>
/// <c>GET path</c> for clusters that are not gRPC services; any 2xx passes. The request speaks HTTP/2 with prior
/// knowledge, as every call the proxy sends to a cluster does.
/// </summary>
internal sealed class HttpHealthProbe(HealthCheckConfig config, ClusterConfig cluster, WorkloadIdentity? identity) : IHealthProbe
{
    private readonly HttpMessageInvoker _invoker = HealthProbeClient.Create(config.Timeout, cluster, identity);
    private readonly string _path = config.HttpPath ?? "/";

    public async Task<string?> ProbeAsync(DestinationState destination, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(destination.Prefix + _path, UriKind.Absolute))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        try
        {
            using var response = await _invoker.SendAsync(request, cancellationToken).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            return status is >= 200 and < 300 ? null : $"HTTP {status}";
        }
        catch (HttpRequestException ex)
        {
            return ex.Message;
        }
    }

    public void Dispose() => _invoker.Dispose();
}
