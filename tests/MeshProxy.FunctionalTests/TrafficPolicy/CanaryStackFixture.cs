using MeshProxy.FunctionalTests.Infrastructure;
using MeshProxy.SampleBackends;
using MeshProxy.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace MeshProxy.FunctionalTests.TrafficPolicy;

/// <summary>
/// config/examples/canary.yaml's shape on port 0: users split 90/10 between cluster v1 (two sample backends, v1a and
/// v1b, picked by leastRequests) and cluster v2, sticky on x-user-id, with x-canary: always pinning v2. A "flaky"
/// cluster puts a dead port before v1b, on a route that does not retry (each call fails there). The sidecar's Random is seeded, so the random split is the same every run.
/// Calls are made one at a time: under leastRequests each then finds every destination idle and takes the first, so
/// v1b is reached only if an in-flight count leaked.
/// </summary>
public sealed class CanaryStackFixture() : SampleStack("v1", "v1", "v2")
{
    /// <summary>Seed of the sidecar's Random.</summary>
    public const int Seed = 20261122;

    internal SampleBackendHandle V1a => Backends[0];

    internal SampleBackendHandle V1b => Backends[1];

    internal SampleBackendHandle V2 => Backends[2];

    /// <summary>
    /// Waits until no destination of the route's clusters counts a call in flight. The caller sees a call end (its
    /// trailers) a moment before the sidecar's handler releases the count, so a test that depends on the count
    /// waits for it. Yields rather than sleeps, bounded by the default timeout.
    /// </summary>
    internal async Task WaitForIdleAsync(string path, Microsoft.AspNetCore.Http.IHeaderDictionary headers)
    {
        var route = Proxy.Services.GetRequiredService<Routing.ProxySnapshotProvider>().Current!.Routes.Match(path, headers)
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

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton(new Random(Seed));

    protected override string Config(IReadOnlyList<int> backendPorts) =>
        Config(backendPorts[0], backendPorts[1], backendPorts[2], LoopbackPort.Unused());

    private static string Config(int v1a, int v1b, int v2, int dead) => $$"""
        version: "canary"
        {{LoopbackListeners}}
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
            retry: { maxAttempts: 1 }
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
