using MeshProxy.FunctionalTests.Infrastructure;
using MeshProxy.Hosting;
using MeshProxy.TestSupport;

namespace MeshProxy.FunctionalTests.Observability;

/// <summary>
/// A sample backend behind a sidecar with a 90/10 canary split over two clusters of that backend (route users), a
/// route to a dead port (route dead, not retried: its two failures stay below the ejection threshold) and no catch-all, so each call's outcome is known in advance. The REST
/// listener transcodes the sample services, so REST calls reach the same routes. One per test: metrics count from zero.
/// </summary>
public sealed class MetricsStack() : SampleStack("v1")
{
    public Uri OpsAddress => Proxy.Address(ListenerName.Ops);

    public Uri RestAddress => Proxy.Address(ListenerName.Rest);

    protected override string Config(IReadOnlyList<int> backendPorts) => $$"""
        version: "metrics-test"
        {{LoopbackListeners}}
        routes:
          - name: users
            match: { method: /users.v1.UserService/* }
            backends:
              - { cluster: stable, weight: 90 }
              - { cluster: canary, weight: 10 }
          - name: dead
            match: { method: /inventory.v1.InventoryService/* }
            cluster: dead
            retry: { maxAttempts: 1 }
        clusters:
          stable: { destinations: [ { name: v1-a, address: "http://127.0.0.1:{{backendPorts[0]}}" } ] }
          canary: { destinations: [ { name: v1-b, address: "http://127.0.0.1:{{backendPorts[0]}}" } ] }
          dead: { destinations: [ { name: nobody, address: "http://127.0.0.1:{{LoopbackPort.Unused()}}" } ] }
        transcoding:
          descriptorSets: [builtin]
        """;
}
