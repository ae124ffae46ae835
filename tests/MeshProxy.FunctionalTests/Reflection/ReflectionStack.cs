using Grpc.Net.Client;
using MeshProxy.FunctionalTests.Cli;
using MeshProxy.Hosting;
using MeshProxy.TestSupport;

namespace MeshProxy.FunctionalTests.Reflection;

/// <summary>A grpc-dotnet backend with reflection off behind a sidecar whose config a test writes from the backend's port.</summary>
internal sealed class ReflectionStack : IAsyncDisposable
{
    private ReflectionStack(ReflectionBackend backend, MeshProxyServer proxy)
    {
        Backend = backend;
        Proxy = proxy;
        Channel = GrpcChannel.ForAddress(proxy.Address(ListenerName.Grpc));
    }

    public ReflectionBackend Backend { get; }

    public MeshProxyServer Proxy { get; }

    public GrpcChannel Channel { get; }

    public static async Task<ReflectionStack> StartAsync(Func<int, string> config)
    {
        var logs = new XunitLoggerProvider(output: null);
        var backend = await ReflectionBackend.StartAsync(ReflectionKind.None, logs).DefaultTimeout();
        try
        {
            return new ReflectionStack(backend, await MeshProxyServer.StartAsync(config(backend.Port), logs).DefaultTimeout());
        }
        catch
        {
            await backend.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await Proxy.DisposeAsync();
        await Backend.DisposeAsync();
    }
}
