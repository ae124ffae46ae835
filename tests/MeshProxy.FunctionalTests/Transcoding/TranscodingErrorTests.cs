using System.Net;
using System.Text.Json;
using MeshProxy.TestSupport;

namespace MeshProxy.FunctionalTests.Transcoding;

/// <summary>gRPC statuses as HTTP statuses with google.rpc.Status bodies, and the transcoder's own refusals.</summary>
[Collection(TranscodingStackCollection.Name)]
public sealed class TranscodingErrorTests(TranscodingStackFixture stack)
{
    private RestClient Rest => stack.Rest;

    // The table of google/rpc/code.proto; the sample backend's fault knob makes each status for real.
    [Theory]
    [InlineData("CANCELLED", 1, 499)]
    [InlineData("UNKNOWN", 2, 500)]
    [InlineData("INVALID_ARGUMENT", 3, 400)]
    [InlineData("DEADLINE_EXCEEDED", 4, 504)]
    [InlineData("NOT_FOUND", 5, 404)]
    [InlineData("ALREADY_EXISTS", 6, 409)]
    [InlineData("PERMISSION_DENIED", 7, 403)]
    [InlineData("RESOURCE_EXHAUSTED", 8, 429)]
    [InlineData("FAILED_PRECONDITION", 9, 400)]
    [InlineData("ABORTED", 10, 409)]
    [InlineData("OUT_OF_RANGE", 11, 400)]
    [InlineData("UNIMPLEMENTED", 12, 501)]
    [InlineData("INTERNAL", 13, 500)]
    [InlineData("UNAVAILABLE", 14, 503)]
    [InlineData("DATA_LOSS", 15, 500)]
    [InlineData("UNAUTHENTICATED", 16, 401)]
    public async Task BackendStatus_EachCode_MapsToItsHttpStatusWithStatusBody(string status, int code, int httpStatus)
    {
        const string Method = "payments.v1.PaymentService/ChargeCard";
        stack.V1.Faults.Add($"{Method}:status={status},message=injected {status}");
        try
        {
            using var response = await Rest.SendAsync(HttpMethod.Post, "/v1/payments:charge", """{"idempotencyKey": "k-status"}""").DefaultTimeout();

            Assert.Equal(httpStatus, (int)response.StatusCode);
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal(code, json.RootElement.GetProperty("code").GetInt32());
            Assert.Equal($"injected {status}", json.RootElement.GetProperty("message").GetString());
            Assert.Equal(0, json.RootElement.GetProperty("details").GetArrayLength());
        }
        finally
        {
            stack.V1.Faults.Remove(Method);
        }
    }

    [Fact]
    public async Task BackendStatus_WithDetailsBin_DecodesKnownDetailsAndKeepsUnknownAsBase64()
    {
        using var response = await Rest.SendAsync(HttpMethod.Post, "/v1/test/probe/details", "{}").DefaultTimeout();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var status = json.RootElement;
        Assert.Equal(3, status.GetProperty("code").GetInt32());
        Assert.Equal("text is invalid", status.GetProperty("message").GetString());
        var details = status.GetProperty("details").EnumerateArray().ToArray();
        Assert.Equal(2, details.Length);
        Assert.Equal("type.googleapis.com/google.rpc.BadRequest", details[0].GetProperty("@type").GetString());
        var violation = details[0].GetProperty("fieldViolations")[0];
        Assert.Equal("text", violation.GetProperty("field").GetString());
        Assert.Equal("must not be empty", violation.GetProperty("description").GetString());
        Assert.Equal("type.googleapis.com/unknown.v1.Thing", details[1].GetProperty("@type").GetString());
        Assert.Equal(Convert.ToBase64String([1, 2, 3]), details[1].GetProperty("value").GetString());
    }

    [Fact]
    public async Task Upstream_WithoutGrpcStatus_Is502()
    {
        using var response = await Rest.SendAsync(HttpMethod.Post, "/v1/test/probe/nostatus", "{}").DefaultTimeout();

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Contains("grpc-status", json.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownPath_Is404WithStatusBody()
    {
        using var response = await Rest.SendAsync(HttpMethod.Get, "/v2/nothing/here").DefaultTimeout();

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(5, json.RootElement.GetProperty("code").GetInt32());
        Assert.Contains("/v2/nothing/here", json.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WrongMethod_Is405WithAllow()
    {
        using var response = await Rest.SendAsync(HttpMethod.Put, "/v1/users/u-1001", "{}").DefaultTimeout();

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        var allow = string.Join(",", response.Content.Headers.Allow);
        Assert.Contains("GET", allow, StringComparison.Ordinal);
        Assert.Contains("PATCH", allow, StringComparison.Ordinal);
        Assert.Contains("DELETE", allow, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(json.RootElement.TryGetProperty("code", out _));
    }

    [Fact]
    public async Task MalformedJson_Is400NamingThePath()
    {
        using var response = await Rest.SendAsync(HttpMethod.Post, "/v1/payments:charge", """{"amount": {"units": "twelve"}}""").DefaultTimeout();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(3, json.RootElement.GetProperty("code").GetInt32());
        Assert.Contains("$.amount.units", json.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MalformedNdJsonLine_InClientStream_Is400NamingTheMessage()
    {
        // The first message is a valid charge, so the backend waits for more instead of refusing it first.
        var body = "{\"idempotencyKey\": \"s-1\", \"accountId\": \"acct-1002\", \"amount\": {\"currencyCode\": \"USD\", \"units\": \"1\"}, \"cardToken\": \"tok_visa\"}\n"
            + "{\"amount\": {\"units\": true}}\n";

        using var response = await Rest.SendAsync(HttpMethod.Post, "/v1/payments:batchCharge", RestClient.Json(body, "application/x-ndjson"), HttpCompletionOption.ResponseContentRead).DefaultTimeout();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Contains("$[1].amount.units", json.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BodyOverLimit_Is413()
    {
        var big = new string('x', 70_000);

        using var response = await Rest.SendAsync(HttpMethod.Post, "/v1/payments:charge", $$"""{"description": "{{big}}"}""").DefaultTimeout();

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);

        // The body was refused unread: the connection is not offered for reuse (TranscodingConnectionReuseTests).
        Assert.True(response.Headers.ConnectionClose);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(8, json.RootElement.GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task NonJsonContentType_Is415()
    {
        using var response = await Rest.SendAsync(HttpMethod.Post, "/v1/payments:charge", RestClient.Json("idempotencyKey=k", "application/x-www-form-urlencoded"), HttpCompletionOption.ResponseContentRead).DefaultTimeout();

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(json.RootElement.TryGetProperty("message", out _));
    }

    [Fact]
    public async Task NonJsonContentType_OnClientStream_Is415()
    {
        using var response = await Rest.SendAsync(HttpMethod.Post, "/v1/payments:batchCharge", RestClient.Json("a,b,c", "text/csv"), HttpCompletionOption.ResponseContentRead).DefaultTimeout();

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Contains("text/csv", json.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StreamFailingBeforeFirstMessage_GetsMappedStatusAndBody()
    {
        const string Method = "users.v1.UserService/ListUsers";
        stack.V1.Faults.Add($"{Method}:status=PERMISSION_DENIED,message=no listing");
        try
        {
            using var response = await Rest.SendAsync(HttpMethod.Get, "/v1/users", null, ("Accept", "text/event-stream")).DefaultTimeout();

            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal(7, json.RootElement.GetProperty("code").GetInt32());
            Assert.Equal("no listing", json.RootElement.GetProperty("message").GetString());
        }
        finally
        {
            stack.V1.Faults.Remove(Method);
        }
    }
}
