using MeshProxy.Grpc.Client;
using MeshProxy.Hosting;
using MeshProxy.SampleBackends;
using MeshProxy.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace MeshProxy.FunctionalTests.TrafficPolicy;

/// <summary>
/// config/examples/canary.yaml's shape on port 0: users split 90/10 between cluster v1 (two sample backends, v1a and
/// v1b, picked by leastRequests) and cluster v2, sticky on x-user-id, with x-canary: always pinning v2. A "flaky"
/// cluster puts a dead port before v1b. The sidecar's Random is seeded, so the random split is the same every run.
/// Calls are made one at a time: under leastRequests each then finds every destination idle and takes the first, so
/// v1b is reached only if an in-flight count leaked.
/// </summary>
public sealed class CanaryStackFixture : IAsyncLifetime
{
    /// <summary>Seed of the sidecar's Random.</summary>
    public const int Seed = 20261122;

    private SampleBackendHandle? _v1a;
    private SampleBackendHandle? _v1b;
    private SampleBackendHandle? _v2;
    private MeshProxyServer? _proxy;

    public XunitLoggerProvider Logs { get; } = new(output: null);

    internal SampleBackendHandle V1a => _v1a ?? throw new InvalidOperationException("Not started.");

    internal SampleBackendHandle V1b => _v1b ?? throw new InvalidOperationException("Not started.");

    internal SampleBackendHandle V2 => _v2 ?? throw new InvalidOperationException("Not started.");

    public GrpcChannel Channel { get; private set; } = null!;

    /// <summary>
    /// Waits until no destination of the route's clusters counts a call in flight. The caller sees a call end (its
    /// trailers) a moment before the sidecar's handler releases the count, so a test that depends on the count
    /// waits for it. Yields rather than sleeps, bounded by the default timeout.
    /// </summary>
    internal async Task WaitForIdleAsync(string path, Microsoft.AspNetCore.Http.IHeaderDictionary headers)
    {
        var route = _proxy!.Services.GetRequiredService<Routing.ProxySnapshotProvider>().Current!.Routes.Match(path, headers)
            ?? throw new InvalidOperationException($"no route for {path}");
        var wait = Task.Run(async () =>
        {
            while (route.Backends.Clusters.Any(c => c.Destinations.Any(d => d.InFlight != 0)))
            {
                await Task.Yield();
            }
        });
        await wait.DefaultTimeout();
    }

    public async Task InitializeAsync()
    {
        _v1a = await SampleBackend.StartAsync(new SampleBackendOptions { Port = 0, Address = "127.0.0.1", Version = "v1" }, Logs).DefaultTimeout();
        _v1b = await SampleBackend.StartAsync(new SampleBackendOptions { Port = 0, Address = "127.0.0.1", Version = "v1" }, Logs).DefaultTimeout();
        _v2 = await SampleBackend.StartAsync(new SampleBackendOptions { Port = 0, Address = "127.0.0.1", Version = "v2" }, Logs).DefaultTimeout();
        _proxy = await MeshProxyServer.StartAsync(
            ConfigLoaderResult(Config(_v1a.Port, _v1b.Port, _v2.Port, LoopbackPort.Unused())),
            Logs,
            configureServices: services => services.AddSingleton(new Random(Seed))).DefaultTimeout();
        Channel = GrpcChannel.ForAddress(_proxy.Address(ListenerName.Grpc));
    }

    public async Task DisposeAsync()
    {
        Channel?.Dispose();
        if (_proxy is not null)
        {
            await _proxy.DisposeAsync();
        }

        foreach (var backend in new[] { _v1a, _v1b, _v2 })
        {
            if (backend is not null)
            {
                await backend.DisposeAsync();
            }
        }
    }

    private static Configuration.MeshProxyConfig ConfigLoaderResult(string yaml)
    {
        var result = Configuration.ConfigLoader.Load(yaml);
        return result.Succeeded ? result.Config : throw new Configuration.ConfigLoadException(result.Errors);
    }

    private static string Config(int v1a, int v1b, int v2, int dead) => $$"""
        version: "canary"
        listeners:
          grpc:  { address: 127.0.0.1, port: 0 }
          rest:  { address: 127.0.0.1, port: 0 }
          ops:   { address: 127.0.0.1, port: 0 }
          admin: { address: 127.0.0.1, port: 0 }
        routes:
          - name: users-pinned-canary
            match:
              method: /users.v1.UserService/*
              headers: [ { name: x-canary, exact: always } ]
            cluster: v2
          - name: users-flaky
            match:
              method: /users.v1.UserService/*
              headers: [ { name: x-flaky, present: true } ]
            cluster: flaky
          - name: users
            match: { method: /users.v1.UserService/* }
            backends:
              - { cluster: v1, weight: 90 }
              - { cluster: v2, weight: 10 }
            hashOn: { header: x-user-id }
        clusters:
          v1:
            destinations:
              - { address: "http://127.0.0.1:{{v1a}}", name: v1a }
              - { address: "http://127.0.0.1:{{v1b}}", name: v1b }
            loadBalancing: leastRequests
          v2:
            destinations: [ { address: "http://127.0.0.1:{{v2}}" } ]
            loadBalancing: powerOfTwoChoices
          flaky:
            destinations:
              - { address: "http://127.0.0.1:{{dead}}", name: dead }
              - { address: "http://127.0.0.1:{{v1b}}", name: v1b }
            loadBalancing: leastRequests
        """;
}
