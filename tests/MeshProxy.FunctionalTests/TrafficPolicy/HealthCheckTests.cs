using Grpc.Core;
using Grpc.Net.Client;
using MeshProxy.FunctionalTests.Infrastructure;
using MeshProxy.Configuration.Reload;
using MeshProxy.FunctionalTests.SampleBackends;
using MeshProxy.Hosting;
using MeshProxy.Routing;
using MeshProxy.SampleBackends;
using MeshProxy.Samples.Users.V1;
using MeshProxy.TestSupport;
using MeshProxy.TrafficPolicy;
using MeshProxy.TrafficPolicy.Health;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace MeshProxy.FunctionalTests.TrafficPolicy;

/// <summary>
/// Active health checks against real sample backends (their grpc.health.v1 service has a switch) on a virtual
/// clock: each round is started by advancing the clock and awaited before asserting.
/// </summary>
public sealed class HealthCheckTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    // A probe's timeout runs on the wall clock too, not only on the virtual one: grpc-dotnet ends a call at its
    // deadline by the real clock, whatever the checker's TimeProvider, and a sidecar's first probe (cold JIT, a new
    // HTTP/2 connection) on a busy machine can take longer than the 1s default. Where a probe must pass, or a round
    // must wait for the virtual clock, the timeout is this long, so only the answer or the virtual clock decides.
    private const string ProbeOnWallClock = "grpc: { }, timeout: 30s, unhealthyThreshold: 1";

    [Fact]
    public async Task HealthCheck_NotServingRemovesHostAndServingBringsItBack()
    {
        await using var stack = await OutlierStack.StartAsync(2, ports => Users(ports, "grpc: { service: users.v1.UserService }, interval: 5s, timeout: 30s, unhealthyThreshold: 2, healthyThreshold: 1"), new FakeTimeProvider());
        var b1 = stack.Cluster("users").Destinations[1];

        // The first round starts with the sidecar.
        await stack.RunHealthRoundAsync("users", TimeSpan.Zero);
        Assert.Equal(DestinationHealth.Healthy, b1.Health);

        stack.Backends[1].Health.SetStatus("users.v1.UserService", ServingStatus.NotServing);
        await stack.RunHealthRoundAsync("users", Interval);
        Assert.Equal(DestinationHealth.Healthy, b1.Health);
        await stack.RunHealthRoundAsync("users", Interval);
        Assert.Equal(DestinationHealth.Unhealthy, b1.Health);

        await stack.CallManyAsync(10);
        Assert.Equal(0, stack.GetUserCalls(1));

        stack.Backends[1].Health.SetStatus("users.v1.UserService", ServingStatus.Serving);
        await stack.RunHealthRoundAsync("users", Interval);
        Assert.Equal(DestinationHealth.Healthy, b1.Health);
        await stack.CallManyAsync(10);
        Assert.Equal(5, stack.GetUserCalls(1));
    }

    [Fact]
    public async Task HealthCheck_UnknownServiceName_FailsWithNotFound()
    {
        await using var stack = await OutlierStack.StartAsync(1, ports => Users(ports, "grpc: { service: no.such.Service }, unhealthyThreshold: 1"), new FakeTimeProvider());

        await stack.RunHealthRoundAsync("users", TimeSpan.Zero);

        Assert.Equal(DestinationHealth.Unhealthy, stack.Cluster("users").Destinations[0].Health);
    }

    [Fact]
    public async Task HealthCheck_MissingHealthService_UnhealthyUnlessConfiguredHealthy()
    {
        await using var stack = await OutlierStack.StartAsync(1, ports => $$"""
            routes:
              - { name: users, match: { method: /users.v1.UserService/* }, cluster: strict }
            clusters:
              strict:
                destinations: [ { address: "http://127.0.0.1:{{ports[0]}}" } ]
                healthCheck: { grpc: { }, timeout: 30s, unhealthyThreshold: 1 }
              lenient:
                destinations: [ { address: "http://127.0.0.1:{{ports[0]}}" } ]
                healthCheck: { grpc: { }, timeout: 30s, unhealthyThreshold: 1, missingServiceIsHealthy: true }
            """,
            new FakeTimeProvider(),
            // The backend answers UNIMPLEMENTED to the health service, as a server without one does.
            backends => backends[0].Faults.Add("grpc.health.v1.Health/Check:status=UNIMPLEMENTED"));

        // The first round starts with the sidecar.
        await stack.Checker("strict").LastRound.DefaultTimeout();
        await stack.Checker("lenient").LastRound.DefaultTimeout();

        Assert.Equal(DestinationHealth.Unhealthy, stack.Cluster("strict").Destinations[0].Health);
        Assert.Equal(DestinationHealth.Healthy, stack.Cluster("lenient").Destinations[0].Health);
    }

    [Fact]
    public async Task HealthCheck_NoAnswerWithinTimeout_Unhealthy()
    {
        await using var stack = await OutlierStack.StartAsync(
            2,
            ports => Users(ports, ProbeOnWallClock),
            new FakeTimeProvider(),
            backends => backends[1].Faults.Add("grpc.health.v1.Health/Check:latency=60s"));

        // The first round starts with the sidecar.
        var destinations = stack.Cluster("users").Destinations;
        var round = stack.Checker("users").LastRound;

        // b0 answers at once; only once it has may virtual time pass the timeout, or b0's probe would time out too.
        await Task.Run(async () =>
        {
            while (destinations[0].Health == DestinationHealth.Unknown)
            {
                await Task.Yield();
            }
        }).DefaultTimeout();
        Assert.False(round.IsCompleted);
        stack.Clock!.Advance(TimeSpan.FromSeconds(30));
        await round.DefaultTimeout();

        Assert.Equal(DestinationHealth.Healthy, destinations[0].Health);
        Assert.Equal(DestinationHealth.Unhealthy, destinations[1].Health);
    }

    [Fact]
    public async Task HealthCheck_Http_2xxPassesOtherStatusFails()
    {
        await using var plain = await OutlierPlainBackend.StartAsync();
        await using var stack = await OutlierStack.StartAsync(1, ports => $$"""
            routes:
              - { name: users, match: { method: /users.v1.UserService/* }, cluster: web }
            clusters:
              web:
                destinations:
                  - { address: "http://127.0.0.1:{{plain.Port}}", name: plain }
                  - { address: "http://127.0.0.1:{{ports[0]}}", name: grpc-only }
                healthCheck: { http: { path: /healthz }, unhealthyThreshold: 1 }
            """, new FakeTimeProvider());

        await stack.RunHealthRoundAsync("web", TimeSpan.Zero);
        var destinations = stack.Cluster("web").Destinations;
        Assert.Equal(DestinationHealth.Healthy, destinations[0].Health);
        Assert.Equal(DestinationHealth.Unhealthy, destinations[1].Health);

        plain.HealthzStatus = 503;
        await stack.RunHealthRoundAsync("web", Interval);
        Assert.Equal(DestinationHealth.Unhealthy, destinations[0].Health);
    }

    [Fact]
    public async Task HealthCheck_ConfigReload_KeepsHealthAndEjectionOfUnchangedDestinationsAndProbesNewOnes()
    {
        var clock = new FakeTimeProvider();
        var logs = new XunitLoggerProvider(output: null);
        var dir = Directory.CreateTempSubdirectory("meshproxy-health-");
        var backends = new List<SampleBackendHandle>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                backends.Add(await SampleBackend.StartAsync(new SampleBackendOptions { Port = 0, Address = "127.0.0.1" }, logs).DefaultTimeout());
            }

            // Before the sidecar starts: its health checker's first round starts with it.
            backends[1].Health.SetStatus(string.Empty, ServingStatus.NotServing);
            var ports = backends.Select(b => b.Port).ToArray();
            var file = Path.Combine(dir.FullName, "meshproxy.yaml");
            await File.WriteAllTextAsync(file, $"{SampleStack.LoopbackListeners}\n{Users(ports[..2], ProbeOnWallClock)}");
            await using var proxy = await MeshProxyServer.StartFromFileAsync(file, logs: logs, configureServices: s => s.AddSingleton<TimeProvider>(clock)).DefaultTimeout();
            var snapshots = proxy.Services.GetRequiredService<ProxySnapshotProvider>();
            var checks = proxy.Services.GetRequiredService<HealthCheckService>();
            await checks.Checker("users")!.LastRound.DefaultTimeout();
            var kept = snapshots.Clusters["users"].Destinations[1];
            Assert.Equal(DestinationHealth.Unhealthy, kept.Health);

            // Else the calls below never reach b0: the sidecar answers them UNAVAILABLE itself (no destination).
            Assert.Equal(DestinationHealth.Healthy, snapshots.Clusters["users"].Destinations[0].Health);

            // b0, the only destination left, fails 5 calls in a row and is ejected: nothing is available.
            backends[0].Faults.Add("users.v1.UserService/GetUser:status=UNAVAILABLE");
            using var channel = GrpcChannel.ForAddress(proxy.Address(ListenerName.Grpc));
            var users = new UserService.UserServiceClient(channel);
            var ejected = snapshots.Clusters["users"].Destinations[0];
            for (var i = 0; i < 5; i++)
            {
                using var call = users.GetUserAsync(new GetUserRequest { UserId = "u-1001" });
                await GrpcAssert.FailsWith(StatusCode.Unavailable, () => call.ResponseAsync);
            }

            // The sidecar records a try a moment after the caller sees its end, and publishes the smaller pick set
            // a moment after it marks the destination ejected: wait for the set picks read.
            var availability = snapshots.Clusters["users"].Availability;
            await Task.Run(async () =>
            {
                while (!ejected.Ejected || availability.PickSet.Contains(ejected))
                {
                    await Task.Yield();
                }
            }).DefaultTimeout();
            using (var refused = users.GetUserAsync(new GetUserRequest { UserId = "u-1001" }))
            {
                await GrpcAssert.FailsWith(StatusCode.Unavailable, () => refused.ResponseAsync);
            }

            Assert.Equal(5, backends[0].CallCount("users.v1.UserService/GetUser"));

            // Add a third destination: the cluster is rebuilt, b0 stays ejected and b1 unhealthy, the new checker
            // probes b2, and calls go to b2 alone.
            var reloaded = proxy.Services.GetRequiredService<ConfigReloader>().NextChange;
            await File.WriteAllTextAsync(file, $"{SampleStack.LoopbackListeners}\n{Users(ports, ProbeOnWallClock)}");
            proxy.ConfigWatcher!.Check();
            await reloaded.DefaultTimeout();
            var cluster = snapshots.Clusters["users"];
            Assert.Equal(3, cluster.Destinations.Count);
            Assert.Same(kept, cluster.Destinations[1]);
            Assert.Equal(DestinationHealth.Unhealthy, cluster.Destinations[1].Health);
            Assert.Same(ejected, cluster.Destinations[0]);
            Assert.True(cluster.Destinations[0].Ejected);
            Assert.Equal(1, cluster.Destinations[0].TimesEjected);

            ClusterHealthChecker? checker = null;
            await Task.Run(async () =>
            {
                while ((checker = checks.Checker("users")) is null || checker.Cluster != cluster)
                {
                    await Task.Yield();
                }
            }).DefaultTimeout();
            // The new checker's first round started with it.
            await checker!.LastRound.DefaultTimeout();
            Assert.Equal(DestinationHealth.Healthy, cluster.Destinations[2].Health);
            Assert.Equal(DestinationHealth.Unhealthy, cluster.Destinations[1].Health);
            Assert.Equal(["b2"], cluster.Availability.PickSet.Select(d => d.Name));
            using (var call = users.GetUserAsync(new GetUserRequest { UserId = "u-1001" }))
            {
                await call.ResponseAsync.DefaultTimeout();
            }

            Assert.Equal(1, backends[2].CallCount("users.v1.UserService/GetUser"));
        }
        finally
        {
            foreach (var backend in backends)
            {
                await backend.DisposeAsync();
            }

            dir.Delete(recursive: true);
        }
    }

    private static string Users(IReadOnlyList<int> ports, string healthCheck) => $$"""
        routes:
          - { name: users, match: { method: /users.v1.UserService/* }, cluster: users, retry: { maxAttempts: 1 } }
        clusters:
          users:
            destinations:
        {{string.Join('\n', ports.Select((p, i) => $"      - {{ address: \"http://127.0.0.1:{p}\", name: b{i} }}"))}}
            outlierDetection: { panicThreshold: 0 }
            healthCheck: { {{healthCheck}} }
        """;
}
