using MeshProxy.FunctionalTests.Infrastructure;
using MeshProxy.SampleBackends;
using MeshProxy.TestSupport;

namespace MeshProxy.FunctionalTests.EndToEnd;

/// <summary>
/// The demo's shape on port 0: sample backends v1 and v2 in-process behind one sidecar. users goes to v1 unless
/// x-canary: true pins v2; inventory and payments go to v1; a route to a dead port proves UNAVAILABLE.
/// </summary>
public sealed class SampleStackFixture() : SampleStack("v1", "v2")
{
    internal SampleBackendHandle V1 => Backends[0];

    internal SampleBackendHandle V2 => Backends[1];

    protected override string Config(IReadOnlyList<int> backendPorts) => Config(backendPorts[0], backendPorts[1], LoopbackPort.Unused());

    private static string Config(int v1, int v2, int dead) => $$"""
        version: "end-to-end"
        {{LoopbackListeners}}
        routes:
          - name: users-canary-pinned
            match:
              method: /users.v1.UserService/*
              headers: [ { name: x-canary, exact: "true" } ]
            cluster: v2
          - name: users
            match: { method: /users.v1.UserService/* }
            cluster: v1
          - name: samples
            match: { prefix: / }
            cluster: v1
          - name: nowhere
            match: { method: /inventory.v1.InventoryService/StreamInventoryUpdates, headers: [ { name: x-nowhere, present: true } ] }
            cluster: dead
        clusters:
          v1: { destinations: [ { address: "http://127.0.0.1:{{v1}}" } ] }
          v2: { destinations: [ { address: "http://127.0.0.1:{{v2}}" } ] }
          dead: { destinations: [ { address: "http://127.0.0.1:{{dead}}" } ] }
        """;
}

[CollectionDefinition(Name)]
public sealed class SampleStackCollection : ICollectionFixture<SampleStackFixture>
{
    public const string Name = "sample stack";
}
