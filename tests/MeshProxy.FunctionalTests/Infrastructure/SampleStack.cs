using Grpc.Net.Client;
using MeshProxy.Hosting;
using MeshProxy.SampleBackends;
using MeshProxy.Samples.Inventory.V1;
using MeshProxy.Samples.Payments.V1;
using MeshProxy.Samples.Users.V1;
using MeshProxy.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace MeshProxy.FunctionalTests.Infrastructure;

/// <summary>
/// In-process sample backends on 127.0.0.1 port 0 (one per version label given) behind one sidecar whose listeners
/// also bind port 0. A fixture names the versions and writes the config from the backends' bound ports.
/// </summary>
public abstract class SampleStack : IAsyncLifetime
{
    /// <summary>Every listener on an ephemeral loopback port; append to a config that has none.</summary>
    public const string LoopbackListeners = """
        listeners:
          grpc:  { address: 127.0.0.1, port: 0 }
          rest:  { address: 127.0.0.1, port: 0 }
          ops:   { address: 127.0.0.1, port: 0 }
          admin: { address: 127.0.0.1, port: 0 }
        """;

    private readonly string[] _versions;
    private readonly List<SampleBackendHandle> _backends = [];
    private MeshProxyServer? _proxy;

    protected SampleStack(params string[] versions) => _versions = versions;

    public XunitLoggerProvider Logs { get; } = new(output: null);

    /// <summary>A Grpc.Net.Client channel to the sidecar's gRPC listener, and the generated clients over it.</summary>
    public GrpcChannel Channel { get; private set; } = null!;

    public UserService.UserServiceClient Users { get; private set; } = null!;

    public InventoryService.InventoryServiceClient Inventory { get; private set; } = null!;

    public PaymentService.PaymentServiceClient Payments { get; private set; } = null!;

    public Uri GrpcAddress => Proxy.Address(ListenerName.Grpc);

    internal MeshProxyServer Proxy => _proxy ?? throw new InvalidOperationException("Not started.");

    /// <summary>The backends, in the order of the versions given to the constructor.</summary>
    internal IReadOnlyList<SampleBackendHandle> Backends => _backends;

    public async Task InitializeAsync()
    {
        foreach (var version in _versions)
        {
            _backends.Add(await SampleBackend.StartAsync(new SampleBackendOptions { Port = 0, Address = "127.0.0.1", Version = version }, Logs).DefaultTimeout());
        }

        _proxy = await MeshProxyServer.StartAsync(Config([.. _backends.Select(b => b.Port)]), Logs, configureServices: ConfigureServices).DefaultTimeout();
        Channel = GrpcChannel.ForAddress(GrpcAddress);
        Users = new UserService.UserServiceClient(Channel);
        Inventory = new InventoryService.InventoryServiceClient(Channel);
        Payments = new PaymentService.PaymentServiceClient(Channel);
    }

    public async Task DisposeAsync()
    {
        Channel?.Dispose();
        if (_proxy is not null)
        {
            await _proxy.DisposeAsync();
        }

        foreach (var backend in _backends)
        {
            await backend.DisposeAsync();
        }
    }

    /// <summary>The sidecar's YAML, given the backends' bound ports in constructor order.</summary>
    protected abstract string Config(IReadOnlyList<int> backendPorts);

    /// <summary>Lets a fixture substitute services (a seeded Random, a clock).</summary>
    protected virtual void ConfigureServices(IServiceCollection services)
    {
    }
}
