using MeshProxy.FunctionalTests.Infrastructure;
using MeshProxy.Hosting;

namespace MeshProxy.FunctionalTests.Observability;

/// <summary>
/// Two sample backends behind a sidecar: route users retries (default policy) to backend v1, route inventory does not
/// retry (maxAttempts 1) and goes to backend v2 alone, whose outlier detection may eject its only destination. One per
/// test: metrics count from zero.
/// </summary>
public sealed class WiredMetricsStack() : SampleStack("v1", "v2")
{
    public Uri OpsAddress => Proxy.Address(ListenerName.Ops);

    public Uri AdminAddress => Proxy.Address(ListenerName.Admin);

    protected override string Config(IReadOnlyList<int> backendPorts) => $$"""
        version: "wired-metrics-test"
        {{LoopbackListeners}}
        accessLog: { enabled: false, sampleRate: 0.5, path: stdout }
        tracing: { sampleRate: 0.25 }
        routes:
          - name: users
            match: { method: /users.v1.UserService/* }
            cluster: retrying
            retry: { maxAttempts: 2, retryOn: [ unavailable ], backoff: { base: 1ms, max: 2ms } }
          - name: inventory
            match: { method: /inventory.v1.InventoryService/* }
            cluster: flaky
            retry: { maxAttempts: 1 }
        clusters:
          retrying:
            destinations: [ { name: v1-a, address: "http://127.0.0.1:{{backendPorts[0]}}" } ]
            retryBudget: { percent: 50, minConcurrency: 7 }
          flaky:
            destinations: [ { name: v2-a, address: "http://127.0.0.1:{{backendPorts[1]}}" } ]
            outlierDetection: { consecutiveGatewayFailures: 5, maxEjectionPercent: 100, panicThreshold: 0 }
            healthCheck: { grpc: { service: "" }, interval: 1h, timeout: 1s }
        """;
}
