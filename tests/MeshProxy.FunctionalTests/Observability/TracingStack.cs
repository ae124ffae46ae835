using MeshProxy.FunctionalTests.Infrastructure;

namespace MeshProxy.FunctionalTests.Observability;

/// <summary>A sample backend behind a sidecar with one catch-all route and the given observability sections.</summary>
public sealed class TracingStack(string observabilityYaml) : SampleStack("v1")
{
    internal global::MeshProxy.SampleBackends.SampleBackendHandle Backend => Backends[0];

    protected override string Config(IReadOnlyList<int> backendPorts) => $$"""
        {{LoopbackListeners}}
        routes:
          - name: all
            match: { prefix: / }
            cluster: v1
        clusters:
          v1: { destinations: [ { name: v1-0, address: "http://127.0.0.1:{{backendPorts[0]}}" } ] }
        {{observabilityYaml}}
        """;
}
