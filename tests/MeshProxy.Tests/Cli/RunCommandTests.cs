using MeshProxy.Cli;
using MeshProxy.TestSupport;

namespace MeshProxy.Tests.Cli;

public sealed class RunCommandTests
{
    [Fact]
    public async Task Run_InvalidFile_ExitsWithEveryErrorAndPath()
    {
        var path = Path.Combine(Path.GetTempPath(), $"meshproxy-run-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(path, "routes:\n  - name: r\n    match: { method: /a.B/C }\n    cluster: missing\n    timeout: -1s\n");
        try
        {
            var (code, stderr) = await RunAsync("--config", path);

            Assert.Equal(ExitCodes.Failure, code);
            Assert.Contains("routes[0].cluster", stderr, StringComparison.Ordinal);
            Assert.Contains("routes[0].timeout", stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("does-not-exist.yaml")]
    public async Task Run_EmptyOrMissingFile_ExitsWithFailure(string content)
    {
        var path = Path.Combine(Path.GetTempPath(), $"meshproxy-run-{Guid.NewGuid():N}.yaml");
        if (content.Length == 0)
        {
            await File.WriteAllTextAsync(path, content);
        }

        try
        {
            var (code, stderr) = await RunAsync("--config", path);

            Assert.Equal(ExitCodes.Failure, code);
            Assert.Contains(content.Length == 0 ? "the config file is empty" : "cannot read", stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static async Task<(int Code, string Stderr)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await RunCommand.RunAsync(args, new CommandContext(stdout, stderr, CancellationToken.None)).DefaultTimeout();
        return (code, stderr.ToString());
    }
}
