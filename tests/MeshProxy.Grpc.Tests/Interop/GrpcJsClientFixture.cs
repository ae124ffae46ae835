using System.Text.Json;
using MeshProxy.Grpc.Tests.Infrastructure;
using MeshProxy.TestSupport;

namespace MeshProxy.Grpc.Tests.Interop;

/// <summary>Starts our server, runs the grpc-js client script against it once, and keeps what grpc-js observed.</summary>
public sealed class GrpcJsClientFixture : IAsyncLifetime
{
    public GrpcServerFixture Server { get; } = new();

    public string TestId { get; } = Guid.NewGuid().ToString("N");

    public JsonElement Results { get; private set; }

    public async Task InitializeAsync()
    {
        await Server.InitializeAsync();
        var nodeDirectory = await NodePeers.EnsureInstalledAsync().DefaultTimeout();
        var result = await ProcessRunner.RunAsync(
            "node",
            [Path.Combine("interop", "client.js"), Server.Address.Authority, TestId],
            nodeDirectory,
            TimeSpan.FromSeconds(60)).DefaultTimeout();
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"interop/client.js failed ({result.ExitCode}):\n{result.StandardError}\n{result.StandardOutput}");
        }

        using var document = JsonDocument.Parse(result.StandardOutputBytes);
        Results = document.RootElement.Clone();
    }

    public JsonElement this[string scenario] => Results.GetProperty(scenario);

    public Task DisposeAsync() => Server.DisposeAsync();
}
