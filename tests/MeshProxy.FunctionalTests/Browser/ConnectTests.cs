using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Google.Protobuf;
using MeshProxy.Samples.Users.V1;
using MeshProxy.TestSupport;

namespace MeshProxy.FunctionalTests.Browser;

/// <summary>The Connect protocol on the REST listener, on the wire (connectrpc.com/docs/protocol).</summary>
public sealed class ConnectTests(BrowserStackFixture stack) : IClassFixture<BrowserStackFixture>
{
    private const string GetUser = "/users.v1.UserService/GetUser";
    private const string ListUsers = "/users.v1.UserService/ListUsers";

    [Fact]
    public async Task ConnectJson_Unary_MessageWithMetadataHeaders()
    {
        using var response = await SendAsync(GetUser, "{\"userId\":\"u-1001\"}", "application/json", ("x-tenant", "acme"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var json = JsonNode.Parse(await response.Content.ReadAsStringAsync().DefaultTimeout())!;
        Assert.Equal("Ada Lovelace", json["displayName"]!.GetValue<string>());
        Assert.Equal("PLAN_ENTERPRISE", json["plan"]!.GetValue<string>());
        Assert.Equal("v1", response.Headers.GetValues("x-backend-version").Single());
        Assert.Equal("acme", stack.Backend.LastCall(GetUser)!.Header("x-tenant"));
    }

    [Fact]
    public async Task ConnectProto_Unary_BareMessage()
    {
        using var request = Request(GetUser, new ByteArrayContent(new GetUserRequest { UserId = "u-1004" }.ToByteArray()), "application/proto");
        using var response = await stack.Http.SendAsync(request).DefaultTimeout();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/proto", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Katherine Johnson", User.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync().DefaultTimeout()).DisplayName);
    }

    [Fact]
    public async Task ConnectJson_UpstreamNotFound_404AndConnectErrorJson()
    {
        using var response = await SendAsync(GetUser, "{\"userId\":\"u-404\"}", "application/json");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync().DefaultTimeout())!;
        Assert.Equal("not_found", error["code"]!.GetValue<string>());
        Assert.Contains("u-404", error["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"userId\":", "invalid_argument", 400)]
    [InlineData("{\"userId\":42}", "invalid_argument", 400)]
    [InlineData("[]", "invalid_argument", 400)]
    public async Task ConnectJson_BadJson_400AndNothingForwarded(string body, string code, int status)
    {
        var before = stack.Backend.CallCount(GetUser);
        using var response = await SendAsync(GetUser, body, "application/json");

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal(code, JsonNode.Parse(await response.Content.ReadAsStringAsync().DefaultTimeout())!["code"]!.GetValue<string>());
        Assert.Equal(before, stack.Backend.CallCount(GetUser));
    }

    [Fact]
    public async Task Connect_TimeoutPasses_504DeadlineExceeded()
    {
        using var response = await SendAsync(BrowserStackFixture.SlowMethod, "{\"sku\":\"sku-apple\"}", "application/json", ("connect-timeout-ms", "200"));

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal("deadline_exceeded", JsonNode.Parse(await response.Content.ReadAsStringAsync().DefaultTimeout())!["code"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("connect-timeout-ms", "soon", "connect-timeout-ms")]
    [InlineData("connect-timeout-ms", "12345678901", "connect-timeout-ms")]
    [InlineData("connect-protocol-version", "2", "connect-protocol-version")]
    [InlineData("content-encoding", "br", "encoding")]
    public async Task Connect_BadProtocolHeader_ErrorNamesIt(string header, string value, string mentioned)
    {
        using var response = await SendAsync(GetUser, "{\"userId\":\"u-1001\"}", "application/json", (header, value));
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync().DefaultTimeout())!;

        Assert.Equal(header == "content-encoding" ? HttpStatusCode.NotImplemented : HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(mentioned, error["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConnectJson_UnaryShapeOnAStreamingMethod_Unimplemented()
    {
        using var response = await SendAsync(ListUsers, "{}", "application/json");

        Assert.Equal(HttpStatusCode.NotImplemented, response.StatusCode);
        Assert.Contains("server-streaming", await response.Content.ReadAsStringAsync().DefaultTimeout(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConnectJson_UnknownMethod_Unimplemented()
    {
        using var response = await SendAsync("/users.v1.UserService/Nope", "{}", "application/json");

        Assert.Equal(HttpStatusCode.NotImplemented, response.StatusCode);
    }

    [Fact]
    public async Task ConnectStreamingJson_EnvelopesThenEndOfStream()
    {
        using var response = await stack.Http.SendAsync(Request(ListUsers, new ByteArrayContent(Envelope(0, "{\"pageSize\":2}"u8.ToArray())), "application/connect+json")).DefaultTimeout();
        var envelopes = Envelopes(await response.Content.ReadAsByteArrayAsync().DefaultTimeout());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/connect+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(3, envelopes.Count);
        Assert.Equal("u-1001", JsonNode.Parse(envelopes[0].Payload)!["userId"]!.GetValue<string>());
        Assert.Equal("u-1002", JsonNode.Parse(envelopes[1].Payload)!["userId"]!.GetValue<string>());
        Assert.Equal(2, envelopes[2].Flags);
        Assert.Null(JsonNode.Parse(envelopes[2].Payload)!["error"]);
    }

    [Fact]
    public async Task ConnectStreamingProto_UpstreamError_EndOfStreamCarriesIt()
    {
        stack.Backend.Faults.Add("users.v1.UserService/ListUsers:status=PERMISSION_DENIED,message=not yours");
        try
        {
            using var response = await stack.Http.SendAsync(Request(ListUsers, new ByteArrayContent(Envelope(0, new ListUsersRequest().ToByteArray())), "application/connect+proto")).DefaultTimeout();
            var end = Assert.Single(Envelopes(await response.Content.ReadAsByteArrayAsync().DefaultTimeout()));

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(2, end.Flags);
            var error = JsonNode.Parse(end.Payload)!["error"]!;
            Assert.Equal("permission_denied", error["code"]!.GetValue<string>());
            Assert.Equal("not yours", error["message"]!.GetValue<string>());
        }
        finally
        {
            stack.Backend.Faults.Remove("users.v1.UserService/ListUsers");
        }
    }

    [Theory]
    [InlineData(new byte[] { 0, 0, 0 })]
    [InlineData(new byte[] { 0, 0, 0, 0, 9, 1 })]
    [InlineData(new byte[] { 1, 0, 0, 0, 0 })]
    [InlineData(new byte[0])]
    public async Task ConnectStreaming_MalformedEnvelope_EndOfStreamInvalidArgument(byte[] body)
    {
        var before = stack.Backend.CallCount(ListUsers);
        using var response = await stack.Http.SendAsync(Request(ListUsers, new ByteArrayContent(body), "application/connect+proto")).DefaultTimeout();
        var end = Assert.Single(Envelopes(await response.Content.ReadAsByteArrayAsync().DefaultTimeout()));

        Assert.Equal(2, end.Flags);
        Assert.Equal("invalid_argument", JsonNode.Parse(end.Payload)!["error"]!["code"]!.GetValue<string>());
        Assert.Equal(before, stack.Backend.CallCount(ListUsers));
    }

    [Fact]
    public async Task ConnectProto_BodyOverTheLimit_ResourceExhausted()
    {
        using var response = await stack.Http.SendAsync(Request(GetUser, new ByteArrayContent(new byte[70_000]), "application/proto")).DefaultTimeout();

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
    }

    [Fact]
    public async Task JsonPostWithoutConnectVersion_StaysWithRestTranscoding()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(stack.RestAddress, GetUser)) { Content = new StringContent("{\"userId\":\"u-1001\"}", Encoding.UTF8, "application/json") };
        using var response = await stack.Http.SendAsync(request).DefaultTimeout();
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync().DefaultTimeout())!;

        // REST has no rule for this path: the REST error shape (google.rpc.Status), not Connect's.
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(5, body["code"]!.GetValue<int>());
    }

    private Task<HttpResponseMessage> SendAsync(string method, string json, string contentType, params (string Name, string Value)[] headers) =>
        stack.Http.SendAsync(Request(method, new StringContent(json, Encoding.UTF8), contentType, headers)).DefaultTimeout();

    private HttpRequestMessage Request(string method, HttpContent content, string contentType, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(stack.RestAddress, method)) { Content = content };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        request.Headers.TryAddWithoutValidation("connect-protocol-version", "1");
        foreach (var (name, value) in headers)
        {
            if (!request.Headers.TryAddWithoutValidation(name, value))
            {
                request.Content.Headers.TryAddWithoutValidation(name, value);
            }
        }

        return request;
    }

    private static byte[] Envelope(byte flags, byte[] payload)
    {
        var envelope = new byte[5 + payload.Length];
        envelope[0] = flags;
        BinaryPrimitives.WriteUInt32BigEndian(envelope.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(envelope, 5);
        return envelope;
    }

    private static List<(byte Flags, string Payload)> Envelopes(byte[] body)
    {
        var list = new List<(byte, string)>();
        var span = body.AsSpan();
        while (span.Length >= 5)
        {
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(span[1..]);
            list.Add((span[0], Encoding.UTF8.GetString(span.Slice(5, length))));
            span = span[(5 + length)..];
        }

        Assert.True(span.IsEmpty, "the body ends inside an envelope");
        return list;
    }
}
