using Grpc.Health.V1;
using MeshProxy.Grpc.Server;

namespace MeshProxy.Grpc.Health;

/// <summary>grpc.health.v1.Health (grpc/grpc doc/health-checking.md) over a <see cref="HealthStatusRegistry"/>.</summary>
public static class HealthServiceDefinition
{
    public const string ServiceName = "grpc.health.v1.Health";

    public static readonly Method<HealthCheckRequest, HealthCheckResponse> CheckMethod =
        new(MethodType.Unary, ServiceName, "Check", HealthCheckRequest.Parser, HealthCheckResponse.Parser);

    public static readonly Method<HealthCheckRequest, HealthCheckResponse> WatchMethod =
        new(MethodType.ServerStreaming, ServiceName, "Watch", HealthCheckRequest.Parser, HealthCheckResponse.Parser);

    public static GrpcServiceDefinition Create(HealthStatusRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        return new GrpcServiceBuilder(ServiceName)
            .AddUnary(CheckMethod, (request, _) =>
                registry.TryGet(request.Service, out var status)
                    ? Task.FromResult(HealthStatusRegistry.Response(status))
                    : throw new RpcException(new Status(StatusCode.NotFound, $"Service '{request.Service}' is unknown.")))
            .AddServerStreaming(WatchMethod, async (request, stream, context) =>
            {
                // Watch runs until the client goes away; ending it on cancellation is the normal outcome.
                try
                {
                    await foreach (var status in registry.WatchAsync(request.Service, context.CancellationToken).ConfigureAwait(false))
                    {
                        await stream.WriteAsync(HealthStatusRegistry.Response(status), context.CancellationToken).ConfigureAwait(false);
                    }
                }
                catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
                {
                    context.Status = Status.DefaultCancelled;
                }
            })
            .Build();
    }
}
