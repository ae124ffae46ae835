using MeshProxy.Cli;
using MeshProxy.Configuration;
using MeshProxy.TestSupport;

namespace MeshProxy.Tests.Cli;

public sealed class DemoCommandTests
{
    [Fact]
    public void EmbeddedConfig_IsTheRepositoryDemoConfigAndValid()
    {
        var embedded = ConfigLoader.Load(DemoCommand.ReadEmbeddedConfig());
        var file = ConfigLoader.LoadFile(RepoPaths.Combine("config", "demo.yaml"));

        Assert.True(embedded.Succeeded, string.Join('\n', embedded.Errors));
        Assert.Equal(file.Config, embedded.Config);
        Assert.Equal(
            ["/inventory.v1.InventoryService/*", "/payments.v1.PaymentService/*", "/users.v1.UserService/*"],
            embedded.Config.Routes.Select(r => r.Match.Method!).Distinct().Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Demo_WithArguments_IsUsageError()
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var code = await DemoCommand.RunAsync(["--port", "1"], new CommandContext(stdout, stderr, CancellationToken.None)).DefaultTimeout();

        Assert.Equal(ExitCodes.Usage, code);
    }
}
