using System.Net;
using System.Net.Sockets;
using MeshProxy.Cli;
using MeshProxy.FunctionalTests.EndToEnd;
using MeshProxy.TestSupport;

namespace MeshProxy.FunctionalTests.Cli;

/// <summary><c>meshproxy call</c> through the sidecar to the sample backends over real sockets, every call kind.</summary>
[Collection(SampleStackCollection.Name)]
public sealed class CallCommandTests(SampleStackFixture stack)
{
    private string Authority => stack.GrpcAddress.Authority;

    [Fact]
    public async Task Unary_ThroughSidecar_PrintsResponseAsIndentedJson()
    {
        var result = await CallRunner.RunAsync([Authority, "users.v1.UserService/GetUser", "-d", """{"userId":"u-1002"}"""]);

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        var user = Assert.Single(result.Documents());
        Assert.Equal("Grace Hopper", user.GetProperty("displayName").GetString());
        Assert.Equal("PLAN_PRO", user.GetProperty("plan").GetString());
        Assert.Contains("\n  \"userId\": \"u-1002\"", result.Stdout, StringComparison.Ordinal);
        Assert.Equal(string.Empty, result.Stderr);
    }

    [Theory]
    [InlineData("/users.v1.UserService/GetUser")]
    [InlineData("users.v1.UserService.GetUser")]
    public async Task Unary_OtherMethodSpellings_Resolve(string method)
    {
        var result = await CallRunner.RunAsync([stack.GrpcAddress.ToString(), method, "--data={\"userId\":\"u-1003\"}"]);

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        Assert.Equal("Alan Turing", Assert.Single(result.Documents()).GetProperty("displayName").GetString());
    }

    [Fact]
    public async Task Unary_ProtoNamesAndEmitDefaults_ChangeTheJson()
    {
        string[] call = [Authority, "inventory.v1.InventoryService/CheckStock", "-d", """{"sku":"sku-durian"}"""];

        var plain = await CallRunner.RunAsync(call);
        var changed = await CallRunner.RunAsync([.. call, "--proto-names", "--emit-defaults"]);

        Assert.True(plain.ExitCode == ExitCodes.Ok, plain.ToString());
        Assert.True(changed.ExitCode == ExitCodes.Ok, changed.ToString());
        var level = Assert.Single(plain.Documents());
        Assert.False(level.TryGetProperty("available", out _));
        Assert.True(level.TryGetProperty("updateTime", out _));
        var withDefaults = Assert.Single(changed.Documents());
        Assert.Equal(0, withDefaults.GetProperty("available").GetInt32());
        Assert.True(withDefaults.TryGetProperty("update_time", out _));
    }

    [Fact]
    public async Task ServerStreaming_PrintsOneDocumentPerMessage()
    {
        var result = await CallRunner.RunAsync([Authority, "users.v1.UserService/ListUsers", "-d", """{"plan":"PLAN_PRO"}"""]);

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        Assert.Equal(["u-1002", "u-1004"], result.Documents().Select(d => d.GetProperty("userId").GetString()));
    }

    [Fact]
    public async Task ClientStreaming_JsonArray_SendsEveryElement()
    {
        var key = Guid.NewGuid().ToString("N");
        var data = $$"""
            [ {"idempotencyKey":"{{key}}-1","accountId":"acct-1003","amount":{"currencyCode":"EUR","units":"2"},"cardToken":"tok_visa"},
              {"idempotencyKey":"{{key}}-2","accountId":"acct-1003","amount":{"currencyCode":"EUR","units":"3"},"cardToken":"tok_declined"},
              {"idempotencyKey":"{{key}}-3","accountId":"acct-1003","amount":{"currencyCode":"EUR","units":"4"},"cardToken":"tok_visa"} ]
            """;

        var result = await CallRunner.RunAsync([Authority, "payments.v1.PaymentService/BatchCharge", "-d", data]);

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        var summary = Assert.Single(result.Documents());
        Assert.Equal((2, 1), (summary.GetProperty("succeeded").GetInt32(), summary.GetProperty("declined").GetInt32()));
        Assert.Equal("6", summary.GetProperty("total").GetProperty("units").GetString());
    }

    [Fact]
    public async Task ClientStreaming_NdjsonFromStdin_SendsEveryLine()
    {
        var key = Guid.NewGuid().ToString("N");
        var stdin = $$"""
            {"idempotencyKey":"{{key}}-1","accountId":"acct-1003","amount":{"currencyCode":"EUR","units":"1"},"cardToken":"tok_visa"}
            {"idempotencyKey":"{{key}}-2","accountId":"acct-1003","amount":{"currencyCode":"EUR","units":"1"},"cardToken":"tok_visa"}
            """;

        var result = await CallRunner.RunAsync([Authority, "payments.v1.PaymentService/BatchCharge", "-d", "@-"], stdin);

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        Assert.Equal(2, Assert.Single(result.Documents()).GetProperty("succeeded").GetInt32());
    }

    [Fact]
    public async Task Bidi_FromFile_PrintsAnAnswerPerMessage()
    {
        using var file = TempPath.File("call", ".json");
        await File.WriteAllTextAsync(file.Path, """[{"sessionId":"s-call","text":"hello"},{"text":"refund please"}]""");

        var result = await CallRunner.RunAsync([Authority, "payments.v1.PaymentService/PaymentChat", "-d", "@" + file.Path]);

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        var answers = result.Documents();
        Assert.Equal(2, answers.Count);
        Assert.All(answers, a => Assert.Equal(("s-call", "support"), (a.GetProperty("sessionId").GetString(), a.GetProperty("sender").GetString())));
    }

    [Fact]
    public async Task Bidi_ServerFailsMidStream_PrintsAnswersSoFarThenStatus()
    {
        var result = await CallRunner.RunAsync([Authority, "payments.v1.PaymentService/PaymentChat", "-d", """{"text":"hello"} {"text":""} {"text":"never read"}"""]);

        Assert.True(result.ExitCode == ExitCodes.Failure, result.ToString());
        Assert.Equal("support", Assert.Single(result.Documents()).GetProperty("sender").GetString());
        Assert.Equal("ERROR: INVALID_ARGUMENT (3): A chat message needs text.", result.Stderr.TrimEnd());
    }

    [Fact]
    public async Task Verbose_CanaryHeader_PrintsV2HeadersAndTrailersToStderr()
    {
        var result = await CallRunner.RunAsync([Authority, "users.v1.UserService/GetUser", "-v", "-H", "x-canary: true", "-d", """{"userId":"u-1001"}"""]);

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        Assert.Contains("Response headers:\n", result.Stderr.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains("  x-backend-version: v2", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("Response trailers:", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("x-backend-version", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BinaryHeader_Base64_ArrivesAsTheSameBytes()
    {
        byte[] sent = [0x00, 0xFF, 0x10, 0x80, 0x7F];
        var unpadded = Convert.ToBase64String(sent).TrimEnd('=');

        var result = await CallRunner.RunAsync([Authority, "inventory.v1.InventoryService/CheckStock", "-H", $"x-trace-bin: {unpadded}", "-H", "x-call-test: bin", "-d", """{"sku":"sku-banana"}"""]);

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        var observed = stack.V1.LastCall("inventory.v1.InventoryService/CheckStock");
        Assert.NotNull(observed);
        Assert.Equal("bin", observed.Header("x-call-test"));
        var wire = observed.Header("x-trace-bin")!;
        Assert.Equal(sent, Convert.FromBase64String(wire.PadRight(wire.Length + ((4 - (wire.Length % 4)) % 4), '=')));
    }

    [Fact]
    public async Task Timeout_StreamThatNeverEnds_IsDeadlineExceededExit1()
    {
        var result = await CallRunner.RunAsync([Authority, "inventory.v1.InventoryService/StreamInventoryUpdates", "--timeout", "300ms", "-d", """{"skus":["sku-apple"]}"""]);

        Assert.True(result.ExitCode == ExitCodes.Failure, result.ToString());
        Assert.StartsWith("ERROR: DEADLINE_EXCEEDED (4): ", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NotFound_PrintsStatusAndMessage_Exit1()
    {
        var result = await CallRunner.RunAsync([Authority, "users.v1.UserService/GetUser", "-d", """{"userId":"u-404"}"""]);

        Assert.True(result.ExitCode == ExitCodes.Failure, result.ToString());
        Assert.Equal("ERROR: NOT_FOUND (5): User 'u-404' not found.", result.Stderr.TrimEnd());
        Assert.Equal(string.Empty, result.Stdout);
    }

    [Fact]
    public async Task UnknownMethod_ListsCloseMatches_Exit2()
    {
        var result = await CallRunner.RunAsync([Authority, "users.v1.UserService/GetUsr"]);

        Assert.True(result.ExitCode == ExitCodes.Usage, result.ToString());
        Assert.Contains("has no method 'GetUsr'", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("did you mean: users.v1.UserService/GetUser", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownService_ListsCloseMatches_Exit2()
    {
        var result = await CallRunner.RunAsync([Authority, "user.v1.UserService/GetUser"]);

        Assert.True(result.ExitCode == ExitCodes.Usage, result.ToString());
        Assert.Contains("unknown service 'user.v1.UserService'", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("users.v1.UserService/GetUser", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadFieldValue_NamesItsJsonPath_Exit2()
    {
        var result = await CallRunner.RunAsync([Authority, "payments.v1.PaymentService/ChargeCard", "-d", """{"amount":{"units":"many"}}"""]);

        Assert.True(result.ExitCode == ExitCodes.Usage, result.ToString());
        Assert.Contains("amount.units", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MalformedJson_Exit2WithoutCalling()
    {
        var result = await CallRunner.RunAsync([Authority, "users.v1.UserService/GetUser", "-d", """{"userId":"""]);

        Assert.True(result.ExitCode == ExitCodes.Usage, result.ToString());
        Assert.Contains("not valid JSON", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConnectionRefused_IsUnavailableExit1()
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        var result = await CallRunner.RunAsync([$"127.0.0.1:{port}", "users.v1.UserService/GetUser"]);

        Assert.True(result.ExitCode == ExitCodes.Failure, result.ToString());
        Assert.StartsWith("ERROR: UNAVAILABLE (14): ", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RealExecutable_WritesJsonToStdoutAndErrorsToStderr()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "meshproxy.dll");
        var ok = await ProcessRunner.RunAsync("dotnet", [dll, "call", Authority, "users.v1.UserService/GetUser", "-d", """{"userId":"u-1004"}"""], null, TimeSpan.FromSeconds(60)).DefaultTimeout();
        var failed = await ProcessRunner.RunAsync("dotnet", [dll, "call", Authority, "users.v1.UserService/GetUser", "-d", "@-"], null, TimeSpan.FromSeconds(60), """{"userId":"u-nobody"}"""u8.ToArray()).DefaultTimeout();

        Assert.True(ok.ExitCode == 0, ok.StandardError);
        Assert.Contains("\"displayName\": \"Katherine Johnson\"", ok.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(string.Empty, ok.StandardError);
        Assert.Equal(1, failed.ExitCode);
        Assert.Equal(string.Empty, failed.StandardOutput);
        Assert.StartsWith("ERROR: NOT_FOUND (5): User 'u-nobody' not found.", failed.StandardError, StringComparison.Ordinal);
    }
}
