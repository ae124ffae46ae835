using MeshProxy.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace MeshProxy.FunctionalTests.Interop;

/// <summary>
/// Grpc.AspNetCore on 127.0.0.1 port 0 (h2c) serving <see cref="InteropUserService"/> and
/// <see cref="InteropPaymentService"/>. Like the grpc-js peer it compresses every response with gzip when the caller
/// accepts it, so both servers put compressed messages through the sidecar.
/// </summary>
public sealed class GrpcDotnetServer : IAsyncDisposable
{
    private readonly LoopbackServer _server;

    private GrpcDotnetServer(LoopbackServer server) => _server = server;

    public int Port => _server.Port;

    public static async Task<GrpcDotnetServer> StartAsync()
    {
        var server = await LoopbackServer.StartAsync(
            app =>
            {
                app.MapGrpcService<InteropUserService>();
                app.MapGrpcService<InteropPaymentService>();
            },
            configureServices: services =>
            {
                services.AddSingleton<CancellationLog>();
                services.AddGrpc(options => options.ResponseCompressionAlgorithm = "gzip");
            }).ConfigureAwait(false);
        return new GrpcDotnetServer(server);
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
