using System.Collections.Concurrent;
using Grpc.Health.V1;
using MeshProxy.Configuration;
using MeshProxy.Grpc;
using MeshProxy.Grpc.Client;
using MeshProxy.Grpc.Health;

namespace MeshProxy.TrafficPolicy.Health;

/// <summary>
/// grpc.health.v1.Health/Check (grpc/grpc doc/health-checking.md) with the configured service name: SERVING passes;
/// NOT_SERVING, SERVICE_UNKNOWN, NOT_FOUND (unknown service), any failure and a timeout fail. UNIMPLEMENTED (no
/// health service at all) passes only with <c>missingServiceIsHealthy: true</c>.
/// </summary>
internal sealed class GrpcHealthProbe : IHealthProbe
{
    private readonly HttpMessageInvoker _invoker;
    private readonly HealthCheckRequest _request;
    private readonly bool _missingServiceIsHealthy;

    // One channel per destination, made at its first probe: discovery adds destinations while the checker runs. A
    // channel holds no connection of its own (they share the invoker's pool), so those of removed destinations cost a
    // dictionary entry until the checker stops.
    private readonly ConcurrentDictionary<DestinationState, GrpcChannel> _channels = new();

    public GrpcHealthProbe(HealthCheckConfig config)
    {
        _invoker = HealthProbeClient.Create(config.Timeout);
        _request = new HealthCheckRequest { Service = config.GrpcService ?? string.Empty };
        _missingServiceIsHealthy = config.MissingServiceIsHealthy;
    }

    public async Task<string?> ProbeAsync(DestinationState destination, CancellationToken cancellationToken)
    {
        var channel = _channels.GetOrAdd(
            destination,
            static (d, invoker) => GrpcChannel.ForAddress(new Uri(d.Prefix + "/", UriKind.Absolute), new GrpcChannelOptions { HttpInvoker = invoker }),
            _invoker);
        using var call = channel.UnaryAsync(HealthServiceDefinition.CheckMethod, _request, new CallOptions(CancellationToken: cancellationToken));
        try
        {
            var response = await call.ResponseAsync.ConfigureAwait(false);
            return response.Status == HealthCheckResponse.Types.ServingStatus.Serving ? null : $"status {response.Status}";
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Unimplemented)
        {
            return _missingServiceIsHealthy ? null : "no health service (UNIMPLEMENTED)";
        }
        catch (RpcException ex)
        {
            return $"{ex.StatusCode}: {ex.Status.Detail}";
        }
    }

    public void Dispose()
    {
        foreach (var channel in _channels.Values)
        {
            channel.Dispose();
        }

        _invoker.Dispose();
    }
}
