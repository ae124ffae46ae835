using System.Net;
using System.Text;
using System.Text.Json;
using MeshProxy.TestSupport;

namespace MeshProxy.FunctionalTests.Transcoding;

/// <summary>
/// The transcoding edges of issue 12, each found by running a case of a peer's own suite (grpc-gateway's runtime tests,
/// Envoy's grpc_json_transcoder tests) against the sidecar, over real sockets.
/// </summary>
[Collection(TranscodingStackCollection.Name)]
public sealed class TranscodingEdgeTests(TranscodingStackFixture stack)
{
    // Envoy (convert_grpc_status) and grpc-gateway build the REST error from the google.rpc.Status in
    // grpc-status-details-bin; we took grpc-message whenever it was set.
    [Fact]
    public async Task Error_RichStatusInDetailsBin_ItsMessageAndDetailsMakeTheBody()
    {
        using var response = await stack.Rest.SendAsync(HttpMethod.Post, "/v1/test/probe/rich-details", "{}").DefaultTimeout();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(9, json.RootElement.GetProperty("code").GetInt32());
        Assert.Equal("the shelf is archived: unarchive it first", json.RootElement.GetProperty("message").GetString());
        var detail = Assert.Single(json.RootElement.GetProperty("details").EnumerateArray());
        Assert.Equal("type.googleapis.com/google.rpc.PreconditionFailure", detail.GetProperty("@type").GetString());
        Assert.Equal("shelves/1", detail.GetProperty("violations")[0].GetProperty("subject").GetString());
    }

    // RFC 9110 section 15.5.2: a 401 must carry WWW-Authenticate. The backend's challenge is kept...
    [Fact]
    public async Task Unauthenticated_BackendChallenge_IsTheWwwAuthenticateHeader()
    {
        using var response = await stack.Rest.SendAsync(HttpMethod.Post, "/v1/test/probe/unauthenticated", "{}").DefaultTimeout();

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer realm=\"library\", error=\"invalid_token\"", response.Headers.WwwAuthenticate.ToString());
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("token expired", json.RootElement.GetProperty("message").GetString());
    }

    // ...and without one the sidecar names the scheme gRPC credentials use.
    [Fact]
    public async Task Unauthenticated_WithoutChallenge_GetsBearer()
    {
        using var response = await stack.Rest.SendAsync(HttpMethod.Post, "/v1/test/probe/unauthenticated-bare", "{}").DefaultTimeout();

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.ToString());
    }

    // grpc-gateway runtime/context.go answers "invalid grpc-timeout"; we forwarded it, the gRPC side dropped it, and the
    // call ran with no deadline at all.
    [Theory]
    [InlineData("banana")]
    [InlineData("1000000000S")]
    [InlineData("10")]
    [InlineData("-5S")]
    public async Task GrpcTimeout_Malformed_IsBadRequestBeforeAnyCall(string timeout)
    {
        using var response = await stack.Rest.SendAsync(HttpMethod.Post, "/v1/test/probe/echo", "{}", ("grpc-timeout", timeout)).DefaultTimeout();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(3, json.RootElement.GetProperty("code").GetInt32());
        Assert.Contains("invalid grpc-timeout", json.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GrpcTimeout_Valid_ReachesTheUpstream()
    {
        using var response = await stack.Rest.SendAsync(HttpMethod.Post, "/v1/test/probe/echo", "{}", ("grpc-timeout", "20S")).DefaultTimeout();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(Metadata(await response.Content.ReadAsStringAsync()), m => m.StartsWith("grpc-timeout=", StringComparison.Ordinal));
    }

    // grpc-gateway runtime/context_test.go (AnnotateContext_ForwardsGrpcMetadata): Grpc-Metadata-FooBar reaches the
    // server as "foobar", and two spellings of one name are one key with both values.
    [Fact]
    public async Task GrpcMetadataHeaders_ReachTheUpstreamWithoutThePrefix()
    {
        using var response = await stack.Rest.SendAsync(
            HttpMethod.Post,
            "/v1/test/probe/echo",
            "{}",
            ("Grpc-Metadata-FooBar", "Value1"),
            ("Grpc-Metadata-Foo-BAZ", "Value2"),
            ("Grpc-Metadata-grpc-timeout", "1n"),
            ("Grpc-Metadata-content-type", "text/evil")).DefaultTimeout();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var metadata = Metadata(await response.Content.ReadAsStringAsync());
        Assert.Contains("foobar=Value1", metadata);
        Assert.Contains("foo-baz=Value2", metadata);
        Assert.DoesNotContain(metadata, m => m.StartsWith("grpc-timeout=", StringComparison.Ordinal));
        Assert.Contains("content-type=application/grpc", metadata);
        Assert.DoesNotContain(metadata, m => m.StartsWith("grpc-metadata-", StringComparison.Ordinal));
    }

    // RFC 8259 section 8.1: JSON between systems is UTF-8; a body in another charset was read as UTF-8 anyway.
    [Theory]
    [InlineData("utf-16le", "héllo wörld")]
    [InlineData("ISO-8859-1", "café")]
    [InlineData("\"UTF-16\"", "ünïcode")]
    public async Task Body_OtherCharsetJson_IsConverted(string charset, string text)
    {
        var encoding = charset.Contains("16", StringComparison.Ordinal) ? Encoding.Unicode : Encoding.Latin1;
        var content = new ByteArrayContent(encoding.GetBytes($$"""{"text": "{{text}}"}"""));
        content.Headers.TryAddWithoutValidation("Content-Type", $"application/json; charset={charset}");
        using var response = await stack.Rest.SendAsync(HttpMethod.Post, "/v1/test/probe/echo", content, HttpCompletionOption.ResponseContentRead).DefaultTimeout();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(text, json.RootElement.GetProperty("text").GetString());
    }

    [Fact]
    public async Task Body_UnsupportedCharset_Is415()
    {
        var content = new ByteArrayContent([0x7B, 0x7D]);
        content.Headers.TryAddWithoutValidation("Content-Type", "application/json; charset=shift_jis");
        using var response = await stack.Rest.SendAsync(HttpMethod.Post, "/v1/test/probe/echo", content, HttpCompletionOption.ResponseContentRead).DefaultTimeout();

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Contains("shift_jis", json.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    // grpc-gateway runtime/query_test.go: a second value for a singular field is "too many values"; we kept the last.
    [Fact]
    public async Task Query_SingularFieldTwice_IsBadRequest()
    {
        using var response = await stack.Rest.SendAsync(HttpMethod.Get, "/v1/users?page_size=1&page_size=2").DefaultTimeout();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Contains("given more than once", json.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    private static string[] Metadata(string body)
    {
        using var json = JsonDocument.Parse(body);
        return [.. json.RootElement.GetProperty("metadata").EnumerateArray().Select(m => m.GetString()!)];
    }
}
