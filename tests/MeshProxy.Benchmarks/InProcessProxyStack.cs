using Grpc.Net.Client;
using MeshProxy.Hosting;
using MeshProxy.Samples.Users.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging.Abstractions;

namespace MeshProxy.Benchmarks;

/// <summary>
/// A sidecar on loopback in this process, in front of a <see cref="FixedReplyBackend"/>, with a gRPC client for it:
/// the real call path of the allocation benchmarks (client, proxy and backend allocate in one process).
/// </summary>
internal sealed class InProcessProxyStack : IAsyncDisposable
{
    private readonly WebApplication _backend;
    private readonly MeshProxyServer _proxy;
    private readonly GrpcChannel _grpc;

    private InProcessProxyStack(WebApplication backend, MeshProxyServer proxy)
    {
        _backend = backend;
        _proxy = proxy;
        _grpc = GrpcChannel.ForAddress(proxy.Address(ListenerName.Grpc));
        Users = new UserService.UserServiceClient(_grpc);
    }

    public UserService.UserServiceClient Users { get; }

    /// <param name="routesAndClusters">The config's routes and clusters, given the backend's port.</param>
    public static async Task<InProcessProxyStack> StartAsync(Func<int, string> routesAndClusters)
    {
        var backend = await FixedReplyBackend.StartAsync(new User { UserId = "u-1001", DisplayName = "Ada Lovelace" }).ConfigureAwait(false);
        var proxy = await MeshProxyServer.StartAsync($$"""
            listeners:
              grpc:  { address: 127.0.0.1, port: 0 }
              rest:  { address: 127.0.0.1, port: 0 }
              ops:   { address: 127.0.0.1, port: 0 }
              admin: { address: 127.0.0.1, port: 0 }
            {{routesAndClusters(FixedReplyBackend.Port(backend))}}
            """, NullLoggerProvider.Instance).ConfigureAwait(false);
        return new InProcessProxyStack(backend, proxy);
    }

    public async ValueTask DisposeAsync()
    {
        _grpc.Dispose();
        await _proxy.DisposeAsync().ConfigureAwait(false);
        await _backend.DisposeAsync().ConfigureAwait(false);
    }
}
