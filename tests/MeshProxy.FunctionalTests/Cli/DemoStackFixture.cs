using MeshProxy.Cli;
using MeshProxy.FunctionalTests.Infrastructure;

namespace MeshProxy.FunctionalTests.Cli;

/// <summary>
/// What <c>meshproxy demo</c> runs, on port 0: the embedded demo config with its backend ports replaced by two
/// in-process sample backends (v1, v2) and its listeners moved to port 0.
/// </summary>
public sealed class DemoStackFixture() : SampleStack("v1", "v2")
{
    protected override string Config(IReadOnlyList<int> backendPorts)
    {
        var demo = DemoCommand.ReadEmbeddedConfig();
        Assert.Contains("127.0.0.1:50051", demo, StringComparison.Ordinal);
        Assert.Contains("127.0.0.1:50052", demo, StringComparison.Ordinal);
        Assert.DoesNotContain("listeners:", demo, StringComparison.Ordinal);
        return demo
            .Replace("127.0.0.1:50051", $"127.0.0.1:{backendPorts[0]}", StringComparison.Ordinal)
            .Replace("127.0.0.1:50052", $"127.0.0.1:{backendPorts[1]}", StringComparison.Ordinal)
            + "\n" + LoopbackListeners + "\n";
    }
}
