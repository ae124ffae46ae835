using MeshProxy.Cli;
using MeshProxy.Hosting;
using MeshProxy.SampleBackends;
using MeshProxy.TestSupport;

namespace MeshProxy.FunctionalTests.Cli;

/// <summary>
/// What <c>meshproxy demo</c> runs, on port 0: the embedded demo config with its backend ports replaced by two
/// in-process sample backends (v1, v2) and its listeners moved to port 0.
/// </summary>
public sealed class DemoStackFixture : IAsyncLifetime
{
    private SampleBackendHandle? _v1;
    private SampleBackendHandle? _v2;
    private MeshProxyServer? _proxy;

    public XunitLoggerProvider Logs { get; } = new(output: null);

    internal MeshProxyServer Proxy => _proxy ?? throw new InvalidOperationException("Not started.");

    public async Task InitializeAsync()
    {
        _v1 = await SampleBackend.StartAsync(new SampleBackendOptions { Port = 0, Address = "127.0.0.1", Version = "v1" }, Logs).DefaultTimeout();
        _v2 = await SampleBackend.StartAsync(new SampleBackendOptions { Port = 0, Address = "127.0.0.1", Version = "v2" }, Logs).DefaultTimeout();
        var demo = DemoCommand.ReadEmbeddedConfig();
        Assert.Contains("127.0.0.1:50051", demo, StringComparison.Ordinal);
        Assert.Contains("127.0.0.1:50052", demo, StringComparison.Ordinal);
        Assert.DoesNotContain("listeners:", demo, StringComparison.Ordinal);
        var config = demo
            .Replace("127.0.0.1:50051", $"127.0.0.1:{_v1.Port}", StringComparison.Ordinal)
            .Replace("127.0.0.1:50052", $"127.0.0.1:{_v2.Port}", StringComparison.Ordinal)
            + """

            listeners:
              grpc:  { address: 127.0.0.1, port: 0 }
              rest:  { address: 127.0.0.1, port: 0 }
              ops:   { address: 127.0.0.1, port: 0 }
              admin: { address: 127.0.0.1, port: 0 }
            """;
        _proxy = await MeshProxyServer.StartAsync(config, Logs).DefaultTimeout();
    }

    public async Task DisposeAsync()
    {
        if (_proxy is not null)
        {
            await _proxy.DisposeAsync();
        }

        if (_v1 is not null)
        {
            await _v1.DisposeAsync();
        }

        if (_v2 is not null)
        {
            await _v2.DisposeAsync();
        }
    }
}
