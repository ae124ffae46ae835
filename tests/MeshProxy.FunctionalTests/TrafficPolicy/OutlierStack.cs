using Grpc.Core;
using Grpc.Net.Client;
using MeshProxy.FunctionalTests.Infrastructure;
using MeshProxy.Hosting;
using MeshProxy.Routing;
using MeshProxy.SampleBackends;
using MeshProxy.Samples.Users.V1;
using MeshProxy.TestSupport;
using MeshProxy.TrafficPolicy;
using MeshProxy.TrafficPolicy.Health;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace MeshProxy.FunctionalTests.TrafficPolicy;

/// <summary>
/// Sample backends on 127.0.0.1 port 0 behind a sidecar whose config a test writes from their ports, on a virtual
/// clock (or real time when none is given). One stack per test, so ejections never leak between tests.
/// </summary>
internal sealed class OutlierStack : IAsyncDisposable
{
    private readonly List<SampleBackendHandle> _backends = [];
    private MeshProxyServer? _proxy;

    private OutlierStack(FakeTimeProvider? clock) => Clock = clock;

    public FakeTimeProvider? Clock { get; }

    public XunitLoggerProvider Logs { get; } = new(output: null);

    public IReadOnlyList<SampleBackendHandle> Backends => _backends;

    public MeshProxyServer Proxy => _proxy ?? throw new InvalidOperationException("Not started.");

    public GrpcChannel Channel { get; private set; } = null!;

    public UserService.UserServiceClient Users { get; private set; } = null!;

    /// <param name="backends">How many sample backends to start (b0, b1, ...).</param>
    /// <param name="config">The routes and clusters, given the backends' ports.</param>
    /// <param name="clock">Virtual time for the sidecar. A health checker's first round starts as the sidecar does
    /// (FakeTimeProvider runs a timer due now at once), so what that round must see is set up in <paramref name="prepare"/>.</param>
    /// <param name="prepare">Runs once the backends are up and before the sidecar starts (faults, health switches).</param>
    public static async Task<OutlierStack> StartAsync(int backends, Func<IReadOnlyList<int>, string> config, FakeTimeProvider? clock = null, Action<IReadOnlyList<SampleBackendHandle>>? prepare = null)
    {
        var stack = new OutlierStack(clock);
        try
        {
            for (var i = 0; i < backends; i++)
            {
                stack._backends.Add(await SampleBackend.StartAsync(new SampleBackendOptions { Port = 0, Address = "127.0.0.1", Version = $"b{i}" }, stack.Logs).DefaultTimeout());
            }

            prepare?.Invoke(stack._backends);
            stack._proxy = await MeshProxyServer.StartAsync(
                $"{SampleStack.LoopbackListeners}\n{config([.. stack._backends.Select(b => b.Port)])}",
                stack.Logs,
                configureServices: services =>
                {
                    if (clock is not null)
                    {
                        services.AddSingleton<TimeProvider>(clock);
                    }
                }).DefaultTimeout();
            stack.Channel = GrpcChannel.ForAddress(stack.Proxy.Address(ListenerName.Grpc));
            stack.Users = new UserService.UserServiceClient(stack.Channel);
            return stack;
        }
        catch
        {
            await stack.DisposeAsync();
            throw;
        }
    }

    public ClusterState Cluster(string name) => Proxy.Services.GetRequiredService<ProxySnapshotProvider>().Clusters[name];

    public ClusterHealthChecker Checker(string cluster) =>
        Proxy.Services.GetRequiredService<HealthCheckService>().Checker(cluster) ?? throw new InvalidOperationException($"no checker for {cluster}");

    /// <summary>Moves the virtual clock to the next health-check round of <paramref name="cluster"/> and waits for its results.</summary>
    public async Task RunHealthRoundAsync(string cluster, TimeSpan advance)
    {
        Clock!.Advance(advance);
        await Checker(cluster).LastRound.DefaultTimeout();
    }

    /// <summary>
    /// One GetUser call, then a wait until the sidecar has recorded it: the caller sees the trailers a moment before
    /// the sidecar records the outcome and releases the in-flight count, and the next pick must see both.
    /// </summary>
    public async Task<StatusCode> CallAsync(Metadata? headers = null)
    {
        StatusCode status;
        using (var call = Users.GetUserAsync(new GetUserRequest { UserId = "u-1001" }, new CallOptions(headers: headers)))
        {
            try
            {
                await call.ResponseAsync.DefaultTimeout();
                status = StatusCode.OK;
            }
            catch (RpcException ex)
            {
                status = ex.StatusCode;
            }
        }

        await WaitForIdleAsync();
        return status;
    }

    public async Task CallManyAsync(int calls, Metadata? headers = null)
    {
        for (var i = 0; i < calls; i++)
        {
            await CallAsync(headers);
        }
    }

    public long GetUserCalls(int backend) => _backends[backend].CallCount("/users.v1.UserService/GetUser");

    public async Task WaitForIdleAsync()
    {
        var clusters = Proxy.Services.GetRequiredService<ProxySnapshotProvider>().Clusters.Values.ToList();
        await Task.Run(async () =>
        {
            while (clusters.Any(c => c.Destinations.Any(d => d.InFlight != 0)))
            {
                await Task.Yield();
            }
        }).DefaultTimeout();
    }

    public async ValueTask DisposeAsync()
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
}
