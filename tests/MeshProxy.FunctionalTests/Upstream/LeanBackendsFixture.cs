using MeshProxy.FunctionalTests.Infrastructure;
using MeshProxy.Hosting;
using MeshProxy.SampleBackends;
using MeshProxy.TestSupport;

namespace MeshProxy.FunctionalTests.Upstream;

/// <summary>
/// Two backends written by others, each behind its own sidecar that offers it through a <c>client: sockets</c> and a
/// <c>client: lean</c> cluster (<see cref="UpstreamClients"/>): a grpc-js server (tests/node/sidecar/backend.js, named
/// b0) and a grpc-dotnet sample backend (version v1). Started once for <see cref="LeanCallKindsTests"/>.
/// </summary>
public sealed class LeanBackendsFixture : IAsyncLifetime
{
    private NodeBackends? _grpcJs;
    private SampleBackendHandle? _sample;
    private MeshProxyServer? _grpcJsProxy;
    private MeshProxyServer? _sampleProxy;

    public XunitLoggerProvider Logs { get; } = new(output: null);

    /// <summary>The sidecar in front of the grpc-js backend.</summary>
    public Uri GrpcJsProxy => (_grpcJsProxy ?? throw new InvalidOperationException("Not started.")).Address(ListenerName.Grpc);

    /// <summary>The sidecar in front of the grpc-dotnet sample backend.</summary>
    public Uri SampleProxy => (_sampleProxy ?? throw new InvalidOperationException("Not started.")).Address(ListenerName.Grpc);

    internal SampleBackendHandle Sample => _sample ?? throw new InvalidOperationException("Not started.");

    public async Task InitializeAsync()
    {
        _grpcJs = await NodeBackends.StartAsync(1);
        _sample = await SampleBackend.StartAsync(new SampleBackendOptions { Port = 0, Address = "127.0.0.1", Version = "v1" }, Logs).DefaultTimeout();
        _grpcJsProxy = await StartProxyAsync(_grpcJs.Ports[0]);
        _sampleProxy = await StartProxyAsync(_sample.Port);
    }

    public async Task DisposeAsync()
    {
        foreach (var proxy in new[] { _grpcJsProxy, _sampleProxy })
        {
            if (proxy is not null)
            {
                await proxy.DisposeAsync();
            }
        }

        if (_sample is not null)
        {
            await _sample.DisposeAsync();
        }

        if (_grpcJs is not null)
        {
            await _grpcJs.DisposeAsync();
        }
    }

    private Task<MeshProxyServer> StartProxyAsync(int port) =>
        MeshProxyServer.StartAsync(
            $"version: lean-call-kinds\n{SampleStack.LoopbackListeners}\n{UpstreamClients.Config($$"""[ { address: "http://127.0.0.1:{{port}}", name: backend } ]""")}",
            Logs).DefaultTimeout();
}
