using System.Collections.Concurrent;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using MeshProxy.Configuration;
using MeshProxy.Security;
using HealthClient = Grpc.Health.V1.Health.HealthClient;

namespace MeshProxy.TrafficPolicy.Health;

/// <summary>
/// grpc.health.v1.Health/Check (grpc/grpc doc/health-checking.md) with the configured service name, through
/// Grpc.HealthCheck's generated client on one grpc-dotnet channel per destination, reused across rounds. SERVING
/// passes; NOT_SERVING, SERVICE_UNKNOWN, NOT_FOUND (unknown service), any failure and a timeout fail. UNIMPLEMENTED
/// (no health service at all) passes only with <c>missingServiceIsHealthy: true</c>.
/// </summary>
internal sealed class GrpcHealthProbe : IHealthProbe
{
    private readonly HttpMessageHandler _handler;
    private readonly HealthCheckRequest _request;
    private readonly TimeSpan _timeout;
    private readonly bool _missingServiceIsHealthy;

    // One channel per destination, made at its first probe: discovery adds destinations while the checker runs. A
    // channel holds no connection of its own (they share the probes' handler), so those of removed destinations cost a
    // dictionary entry until the checker stops.
    private readonly ConcurrentDictionary<DestinationState, (GrpcChannel Channel, HealthClient Client)> _clients = new();

    public GrpcHealthProbe(HealthCheckConfig config, ClusterConfig cluster, WorkloadIdentity? identity)
    {
        _handler = HealthProbeClient.CreateHandler(config.Timeout, cluster, identity);
        _request = new HealthCheckRequest { Service = config.GrpcService ?? string.Empty };
        _timeout = config.Timeout;
        _missingServiceIsHealthy = config.MissingServiceIsHealthy;
    }

    public async Task<string?> ProbeAsync(DestinationState destination, CancellationToken cancellationToken)
    {
        var client = _clients.GetOrAdd(destination, static (d, handler) =>
        {
            // The channels share the probes' handler (its own connections, h2c for http://) and leave it to us to dispose.
            var channel = GrpcChannel.ForAddress(new Uri(d.Prefix + "/", UriKind.Absolute), new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = false });
            return (channel, new HealthClient(channel));
        }, _handler).Client;

        // The deadline tells the destination how long the probe waits (grpc-timeout). grpc-dotnet also ends the call
        // at it by the wall clock; the token, which the checker fires on the same timeout by its own clock, started a
        // moment earlier, so with the system clock it usually ends the wait first. A test's virtual clock stops only
        // the token: the wall-clock deadline still ends a probe that takes longer than the timeout in real time.
        using var call = client.CheckAsync(_request, deadline: DateTime.UtcNow + _timeout, cancellationToken: cancellationToken);
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
        foreach (var (channel, _) in _clients.Values)
        {
            channel.Dispose();
        }

        _handler.Dispose();
    }
}
