using System.Globalization;
using System.Text.Json;
using Google.Rpc;
using Grpc.Core;
using Grpc.Net.Client;
using MeshProxy.Samples.Users.V1;
using MeshProxy.TestSupport;

namespace MeshProxy.FunctionalTests.Interop;

/// <summary>
/// What @grpc/grpc-js observed calling, through the sidecar, a server with the behaviours of
/// tests/node/interop/server.js: tests/node/interop/client.js runs every scenario once per server and reports, each
/// test checks one scenario. Each subclass binds these tests to one server implementation.
/// </summary>
public abstract class GrpcJsClientContractTests : IDisposable
{
    private readonly InteropStack _stack;
    private readonly ServerKind _server;
    private readonly int _errorsBefore;

    protected GrpcJsClientContractTests(InteropStack stack, ServerKind server)
    {
        _stack = stack;
        _server = server;
        _errorsBefore = stack.Logs.Errors.Count;
    }

    /// <summary>Whether the server puts a handler's exception text into grpc-message (grpc-js does, grpc-dotnet does not).</summary>
    protected abstract bool ServerSendsExceptionText { get; }

    /// <summary>
    /// Whether grpc-js always delivers every message that came before an error status from this server. Against
    /// grpc-dotnet's gzip-compressed messages it races its asynchronous inflate against the status and may hand over only
    /// the first of two, with the sidecar and without it alike (checked by pointing client.js straight at the server), so
    /// there the test asserts that what arrives is an in-order prefix that starts with the first message.
    /// </summary>
    protected abstract bool GrpcJsSeesEveryMessageBeforeAnError { get; }

    public void Dispose()
    {
        var errors = _stack.Logs.Errors.Skip(_errorsBefore).ToArray();
        Assert.True(errors.Length == 0, "Unexpected error logs:\n" + string.Join('\n', errors));
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task Unary_Ok_ResponseReachesGrpcJs() =>
        Assert.Equal("User 42", (await ScenarioAsync("unary")).GetProperty("response").GetProperty("display_name").GetString());

    [Fact]
    public async Task Unary_Metadata_TextAndBinaryRoundTripBothWays()
    {
        var scenario = await ScenarioAsync("metadata");
        Assert.Equal(0, Code(scenario));
        var labels = scenario.GetProperty("response").GetProperty("labels");
        Assert.Equal("value-1", labels.GetProperty("x-custom").GetString());
        Assert.Equal("base64:" + Convert.ToBase64String([0, 1, 254, 255]), labels.GetProperty("x-custom-bin").GetString());
        Assert.StartsWith("grpc-node-js/", labels.GetProperty("user-agent").GetString(), StringComparison.Ordinal);
        Assert.False(labels.TryGetProperty("te", out _));
        Assert.DoesNotContain(labels.EnumerateObject(), p => p.Name.StartsWith("grpc-", StringComparison.Ordinal));
        var headers = scenario.GetProperty("headers");
        Assert.Equal("header-value", headers.GetProperty("x-resp-header").GetString());
        Assert.Equal("base64:" + Convert.ToBase64String([0xDE, 0xAD, 0xBE, 0xEF]), headers.GetProperty("x-resp-bin").GetString());
        var trailers = scenario.GetProperty("trailers");
        Assert.Equal("trailer-value", trailers.GetProperty("x-resp-trailer").GetString());
        Assert.Equal("base64:" + Convert.ToBase64String([1, 2, 3, 0xFF]), trailers.GetProperty("x-trailer-bin").GetString());
    }

    [Fact]
    public async Task Unary_StatusDetails_ReadByGrpcJs()
    {
        var scenario = await ScenarioAsync("errorDetails");
        Assert.Equal((int)StatusCode.FailedPrecondition, Code(scenario));
        Assert.Equal("precondition failed: ünïcode % 100", scenario.GetProperty("details").GetString());
        Assert.Equal("yes", scenario.GetProperty("trailers").GetProperty("x-error-trailer").GetString());
        var details = scenario.GetProperty("trailers").GetProperty("grpc-status-details-bin").GetString()!;
        var rpcStatus = Google.Rpc.Status.Parser.ParseFrom(Convert.FromBase64String(details["base64:".Length..]));
        Assert.Equal((int)StatusCode.FailedPrecondition, rpcStatus.Code);
        Assert.Equal("TEST_REASON", rpcStatus.Details.Single().Unpack<DebugInfo>().Detail);
    }

    [Fact]
    public async Task Unary_EveryStatusCode_ReadByGrpcJsWithItsMessage()
    {
        var seen = (await ScenarioAsync("statusCodes")).EnumerateArray().Select(e => (Code(e), e.GetProperty("details").GetString())).ToArray();
        Assert.Equal(Enumerable.Range(1, 16).Select(c => (c, (string?)("status status:" + c))), seen);
    }

    [Fact]
    public async Task Unary_HandlerThrows_Unknown()
    {
        var scenario = await ScenarioAsync("handlerThrows");
        Assert.Equal((int)StatusCode.Unknown, Code(scenario));
        var details = scenario.GetProperty("details").GetString();
        if (ServerSendsExceptionText)
        {
            Assert.Equal("secret detail", details);
        }
        else
        {
            Assert.DoesNotContain("secret", details, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Unary_MethodTheServerLacks_Unimplemented() =>
        Assert.Equal((int)StatusCode.Unimplemented, Code(await ScenarioAsync("unimplemented")));

    [Fact]
    public async Task Unary_Deadline_ServerSeesTheTimeLeft()
    {
        var remaining = (await ScenarioAsync("deadlineInfo")).GetProperty("response").GetProperty("display_name").GetString()!;
        Assert.InRange(long.Parse(remaining, CultureInfo.InvariantCulture), 1, 20_000);
    }

    [Fact]
    public async Task Unary_DeadlineWhileHandlerRuns_DeadlineExceededOnBothSides()
    {
        Assert.Equal((int)StatusCode.DeadlineExceeded, Code(await ScenarioAsync("deadlineExceeded")));
        Assert.Contains(await ServerSawAsync("-deadline"), new[] { "deadline", "cancelled" });
    }

    [Fact]
    public async Task ServerStreaming_ClientCancelsAfterAMessage_ServerSeesCancellation()
    {
        var scenario = await ScenarioAsync("cancelled");
        Assert.Equal((int)StatusCode.Cancelled, Code(scenario));
        Assert.Equal(1, scenario.GetProperty("messages").GetInt32());
        Assert.Equal("cancelled", await ServerSawAsync("-cancel"));
    }

    [Fact]
    public async Task Unary_GzipBothWays_RoundTrips()
    {
        var scenario = await ScenarioAsync("gzip");
        Assert.Equal(0, Code(scenario));
        Assert.Equal(100_000, scenario.GetProperty("responseLength").GetInt32());
    }

    [Fact]
    public async Task Unary_LargeMessage_RoundTripsWhole()
    {
        var scenario = await ScenarioAsync("large");
        Assert.Equal(0, Code(scenario));
        Assert.Equal(3 * 1024 * 1024, scenario.GetProperty("responseLength").GetInt32());
        Assert.True(scenario.GetProperty("echoed").GetBoolean());
    }

    [Fact]
    public async Task Unary_RequestOver4MiB_ResourceExhaustedFromTheServer() =>
        Assert.Equal((int)StatusCode.ResourceExhausted, Code(await ScenarioAsync("tooBig")));

    [Fact]
    public async Task ServerStreaming_AllMessagesThenOk()
    {
        var scenario = await ScenarioAsync("serverStreaming");
        Assert.Equal(0, Code(scenario));
        Assert.Equal(["u0", "u1", "u2", "u3", "u4"], scenario.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("user_id").GetString()));
    }

    [Fact]
    public async Task ServerStreaming_ErrorAfterMessages_MessagesThenStatus()
    {
        var scenario = await ScenarioAsync("serverStreamingError");
        Assert.Equal((int)StatusCode.Aborted, Code(scenario));
        Assert.Equal("stream aborted after messages", scenario.GetProperty("details").GetString());
        var messages = scenario.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("user_id").GetString()).ToArray();
        string?[] sent = ["u0", "u1"];
        if (GrpcJsSeesEveryMessageBeforeAnError)
        {
            Assert.Equal(sent, messages);
        }
        else
        {
            Assert.InRange(messages.Length, 1, sent.Length);
            Assert.Equal(sent[..messages.Length], messages);
        }
    }

    [Fact]
    public async Task ClientStreaming_SummarisesEveryRequest()
    {
        var scenario = await ScenarioAsync("clientStreaming");
        Assert.Equal(0, Code(scenario));
        var response = scenario.GetProperty("response");
        Assert.Equal(3, response.GetProperty("succeeded").GetInt32());
        Assert.Equal("30", response.GetProperty("total").GetProperty("units").GetString());
        Assert.Equal(["k0", "k1", "k2"], response.GetProperty("charge_ids").EnumerateArray().Select(id => id.GetString()));
    }

    [Fact]
    public async Task Duplex_EachRequestAnsweredBeforeTheNextIsSent()
    {
        var scenario = await ScenarioAsync("duplex");
        Assert.Equal(0, Code(scenario));
        var messages = scenario.GetProperty("messages").EnumerateArray().ToArray();
        Assert.Equal(["d0", "d1", "d2", "d0"], messages.Select(m => m.GetProperty("user_id").GetString()));
        Assert.True(messages[3].GetProperty("deleted").GetBoolean());
    }

    private static int Code(JsonElement scenario) => scenario.GetProperty("code").GetInt32();

    private async Task<JsonElement> ScenarioAsync(string name) =>
        (await _stack.GrpcJsClientRunAsync(_server).DefaultTimeout()).GetProperty(name);

    /// <summary>How the server saw the client.js call tagged "&lt;run id&gt;<paramref name="suffix"/>" end, asked through the sidecar.</summary>
    private async Task<string> ServerSawAsync(string suffix)
    {
        await _stack.GrpcJsClientRunAsync(_server).DefaultTimeout();
        using var channel = GrpcChannel.ForAddress(_stack.SidecarFor(_server));
        var request = new GetUserRequest { UserId = "cancel-seen:" + _stack.GrpcJsClientTestId(_server) + suffix };
        return (await new UserService.UserServiceClient(channel).GetUserAsync(request).ResponseAsync.DefaultTimeout()).DisplayName;
    }
}
