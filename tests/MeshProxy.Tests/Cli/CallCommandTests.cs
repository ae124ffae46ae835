using MeshProxy.Cli;
using MeshProxy.TestSupport;

namespace MeshProxy.Tests.Cli;

public sealed class CallCommandTests
{
    [Fact]
    public async Task CommandLine_CallHelp_PrintsCallUsage()
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var code = await CommandLine.CreateDefault().RunAsync(["call", "--help"], new CommandContext(stdout, stderr, CancellationToken.None)).DefaultTimeout();

        Assert.Equal(ExitCodes.Ok, code);
        Assert.StartsWith("usage: meshproxy call [options] ADDRESS METHOD", stdout.ToString(), StringComparison.Ordinal);
        Assert.Contains("call ADDRESS METHOD", HelpText.Usage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Call_MissingDescriptorSet_IsUsageErrorNamingTheFile()
    {
        var (code, _, stderr) = await RunAsync(["127.0.0.1:1", "a.B/C", "--descriptor-set", "/nonexistent/set.pb"]);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("/nonexistent/set.pb", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"userId":"u-1"} {"userId":"u-2"}""", "exactly one JSON object")]
    [InlineData("""[{"userId":"u-1"}]""", "-d $: expected an object")]
    [InlineData("""{"userId": 7}""", "$.userId")]
    [InlineData("""{"nope": 1}""", "nope")]
    [InlineData("@/nonexistent/request.json", "cannot read -d @/nonexistent/request.json")]
    public async Task Call_BadUnaryData_IsUsageErrorBeforeConnecting(string data, string expected)
    {
        // Port 1 refuses connections, so reaching the network would show as UNAVAILABLE with exit 1.
        var (code, stdout, stderr) = await RunAsync(["127.0.0.1:1", "users.v1.UserService/GetUser", "-d", data]);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
        Assert.Equal(string.Empty, stdout);
    }

    [Fact]
    public async Task Call_BadStreamingElement_NamesTheMessageAndPath()
    {
        var (code, _, stderr) = await RunAsync(["127.0.0.1:1", "payments.v1.PaymentService/BatchCharge", "-d", """[{"accountId":"a"},{"amount":{"units":true}}]"""]);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("message 2 of 2, $.amount.units", stderr, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(string[] args)
    {
        using var stdin = new MemoryStream();
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await CallCommand.RunAsync(args, stdin, stdout, stderr).DefaultTimeout();
        return (code, stdout.ToString(), stderr.ToString());
    }
}
