using MeshProxy.Cli;
using MeshProxy.TestSupport;

namespace MeshProxy.Tests.Cli;

public sealed class RunCommandTests
{
    [Fact]
    public async Task Run_InvalidFile_ExitsWithEveryErrorAndPath()
    {
        using var config = TempPath.File("run", ".yaml");
        await File.WriteAllTextAsync(config.Path, "routes:\n  - name: r\n    match: { method: /a.B/C }\n    cluster: missing\n    timeout: -1s\n");

        var (code, stderr) = await RunAsync("--config", config.Path);

        Assert.Equal(ExitCodes.Failure, code);
        Assert.Contains("routes[0].cluster", stderr, StringComparison.Ordinal);
        Assert.Contains("routes[0].timeout", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("does-not-exist.yaml")]
    public async Task Run_EmptyOrMissingFile_ExitsWithFailure(string content)
    {
        using var config = TempPath.File("run", ".yaml");
        if (content.Length == 0)
        {
            await File.WriteAllTextAsync(config.Path, content);
        }

        var (code, stderr) = await RunAsync("--config", config.Path);

        Assert.Equal(ExitCodes.Failure, code);
        Assert.Contains(content.Length == 0 ? "the config file is empty" : "cannot read", stderr, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Stderr)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await RunCommand.RunAsync(args, new CommandContext(stdout, stderr, CancellationToken.None)).DefaultTimeout();
        return (code, stderr.ToString());
    }
}
