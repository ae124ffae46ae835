using System.Text.Json;
using Google.Rpc;
using MeshProxy.Grpc.Tests.Infrastructure;
using MeshProxy.TestSupport;

namespace MeshProxy.Grpc.Tests.Interop;

/// <summary>@grpc/grpc-js calls OUR server; each test checks one scenario of what grpc-js observed.</summary>
public sealed class GrpcJsClientTests(GrpcJsClientFixture fixture) : IClassFixture<GrpcJsClientFixture>
{
    private static int Code(JsonElement scenario) => scenario.GetProperty("code").GetInt32();

    [Fact]
    public void Unary_Ok() =>
        Assert.Equal("User 42", fixture["unary"].GetProperty("response").GetProperty("display_name").GetString());

    [Fact]
    public void Metadata_TextAndBinary_BothWays()
    {
        var scenario = fixture["metadata"];
        Assert.Equal(0, Code(scenario));
        var labels = scenario.GetProperty("response").GetProperty("labels");
        Assert.Equal("value-1", labels.GetProperty("x-custom").GetString());
        Assert.Equal("base64:" + Convert.ToBase64String([0, 1, 254, 255]), labels.GetProperty("x-custom-bin").GetString());
        Assert.False(labels.TryGetProperty("user-agent", out _));
        Assert.False(labels.TryGetProperty("te", out _));
        var headers = scenario.GetProperty("headers");
        Assert.Equal("header-value", headers.GetProperty("x-resp-header").GetString());
        Assert.Equal("base64:" + Convert.ToBase64String([0xDE, 0xAD, 0xBE, 0xEF]), headers.GetProperty("x-resp-bin").GetString());
        var trailers = scenario.GetProperty("trailers");
        Assert.Equal("trailer-value", trailers.GetProperty("x-resp-trailer").GetString());
        Assert.Equal("base64:" + Convert.ToBase64String([1, 2, 3, 0xFF]), trailers.GetProperty("x-trailer-bin").GetString());
    }

    [Fact]
    public void StatusDetails_ReadByGrpcJs()
    {
        var scenario = fixture["errorDetails"];
        Assert.Equal((int)StatusCode.FailedPrecondition, Code(scenario));
        Assert.Equal("precondition failed: ünïcode % 100", scenario.GetProperty("details").GetString());
        Assert.Equal("yes", scenario.GetProperty("trailers").GetProperty("x-error-trailer").GetString());
        var details = scenario.GetProperty("trailers").GetProperty("grpc-status-details-bin").GetString()!;
        var rpcStatus = Google.Rpc.Status.Parser.ParseFrom(Convert.FromBase64String(details["base64:".Length..]));
        Assert.Equal((int)StatusCode.FailedPrecondition, rpcStatus.Code);
        Assert.Equal("TEST_REASON", rpcStatus.Details.Single().Unpack<DebugInfo>().Detail);
    }

    [Fact]
    public void EveryStatusCode_ReadByGrpcJs()
    {
        var seen = fixture["statusCodes"].EnumerateArray().Select(e => (Code(e), e.GetProperty("details").GetString())).ToArray();
        Assert.Equal(Enumerable.Range(1, 16).Select(c => (c, (string?)("status status:" + c))), seen);
    }

    [Fact]
    public void HandlerThrows_UnknownWithoutExceptionText()
    {
        Assert.Equal((int)StatusCode.Unknown, Code(fixture["handlerThrows"]));
        Assert.DoesNotContain("secret", fixture["handlerThrows"].GetProperty("details").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownMethod_Unimplemented() => Assert.Equal((int)StatusCode.Unimplemented, Code(fixture["unimplemented"]));

    [Fact]
    public void Deadline_ServerSeesIt()
    {
        var remaining = long.Parse(fixture["deadlineInfo"].GetProperty("response").GetProperty("display_name").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(remaining, 1, 20_000);
    }

    [Fact]
    public async Task Deadline_Expiry_DeadlineExceededAndHandlerTokenFires()
    {
        Assert.Equal((int)StatusCode.DeadlineExceeded, Code(fixture["deadlineExceeded"]));
        var seen = await fixture.Server.Service.ExpectCancellation(fixture.TestId + "-deadline").Task.DefaultTimeout();
        Assert.Contains(seen, new[] { "deadline", "cancelled" });
    }

    [Fact]
    public async Task Cancel_ServerTokenFires()
    {
        Assert.Equal((int)StatusCode.Cancelled, Code(fixture["cancelled"]));
        Assert.Equal("cancelled", await fixture.Server.Service.ExpectCancellation(fixture.TestId + "-cancel").Task.DefaultTimeout());
    }

    [Fact]
    public void Gzip_BothWays()
    {
        Assert.Equal(0, Code(fixture["gzip"]));
        Assert.Equal(100_000, fixture["gzip"].GetProperty("responseLength").GetInt32());
    }

    [Fact]
    public void RequestOver4MiB_ResourceExhausted() => Assert.Equal((int)StatusCode.ResourceExhausted, Code(fixture["tooBig"]));

    [Fact]
    public void ServerStreaming_AllMessagesThenOk()
    {
        var scenario = fixture["serverStreaming"];
        Assert.Equal(0, Code(scenario));
        Assert.Equal(["u0", "u1", "u2", "u3", "u4"], scenario.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("user_id").GetString()));
    }

    [Fact]
    public void ServerStreaming_ErrorAfterMessages_MessagesThenStatus()
    {
        var scenario = fixture["serverStreamingError"];
        Assert.Equal((int)StatusCode.Aborted, Code(scenario));
        Assert.Equal("stream aborted after messages", scenario.GetProperty("details").GetString());
        Assert.Equal(2, scenario.GetProperty("messages").GetArrayLength());
    }

    [Fact]
    public void ClientStreaming_Summary()
    {
        var response = fixture["clientStreaming"].GetProperty("response");
        Assert.Equal(0, Code(fixture["clientStreaming"]));
        Assert.Equal(3, response.GetProperty("succeeded").GetInt32());
        Assert.Equal("30", response.GetProperty("total").GetProperty("units").GetString());
    }

    [Fact]
    public void Duplex_AnswersEachMessage()
    {
        var scenario = fixture["duplex"];
        Assert.Equal(0, Code(scenario));
        var messages = scenario.GetProperty("messages").EnumerateArray().ToArray();
        Assert.Equal(["d0", "d1", "d2", "d0"], messages.Select(m => m.GetProperty("user_id").GetString()));
        Assert.True(messages[3].GetProperty("deleted").GetBoolean());
    }

    [Fact]
    public void Health_CheckAndWatch()
    {
        Assert.Equal("SERVING", fixture["healthServing"].GetProperty("response").GetProperty("status").GetString());
        Assert.Equal((int)StatusCode.NotFound, Code(fixture["healthUnknown"]));
        Assert.Equal("SERVICE_UNKNOWN", fixture["healthWatchUnknown"].GetProperty("status").GetString());
    }
}
