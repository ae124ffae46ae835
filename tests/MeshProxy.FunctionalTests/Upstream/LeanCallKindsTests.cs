using System.Text;
using Grpc.Core;
using Grpc.Net.Client;
using MeshProxy.FunctionalTests.Browser;
using MeshProxy.FunctionalTests.Infrastructure;
using MeshProxy.FunctionalTests.SampleBackends;
using MeshProxy.Samples.Payments.V1;
using MeshProxy.Samples.Users.V1;
using MeshProxy.TestSupport;
using Xunit.Abstractions;

namespace MeshProxy.FunctionalTests.Upstream;

/// <summary>
/// Every call kind through each client's cluster to a grpc-js server (driven by grpc-js) and to a grpc-dotnet sample
/// backend (driven by Grpc.Net.Client, and by connect-node's own gRPC client, which sends <c>application/grpc+proto</c>):
/// messages, metadata of both kinds byte for byte, statuses and trailers come back as the backend sent them. Each theory
/// runs for <c>sockets</c> (today's client, the reference) and <c>lean</c>.
/// </summary>
public sealed class LeanCallKindsTests : IClassFixture<LeanBackendsFixture>, IDisposable
{
    private static readonly byte[] Binary = [0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff, 0x0a, 0x0d, 0x3d];

    private readonly LeanBackendsFixture _fixture;
    private readonly ITestOutputHelper _output;
    private readonly int _errorsBefore;

    public LeanCallKindsTests(LeanBackendsFixture fixture, ITestOutputHelper output)
    {
        _fixture = fixture;
        _output = output;
        _errorsBefore = fixture.Logs.Errors.Count;
    }

    [Theory]
    [MemberData(nameof(UpstreamClients.Both), MemberType = typeof(UpstreamClients))]
    public async Task GrpcJs_Unary_MessageHeadersAndTrailers(string client)
    {
        var result = await GrpcJsClient.CallAsync(_fixture.GrpcJsProxy, "/users.v1.UserService/GetUser", Metadata(client)).DefaultTimeout();

        Assert.Equal(0, result.Code);
        Assert.Equal(1, result.Messages);
        Assert.Equal("b0", result.Header("x-backend"));
        Assert.Equal("b0", result.Trailer("x-backend"));
    }

    [Theory]
    [MemberData(nameof(UpstreamClients.Both), MemberType = typeof(UpstreamClients))]
    public async Task GrpcJs_ServerStreaming_EveryMessage(string client)
    {
        var result = await GrpcJsClient.CallAsync(_fixture.GrpcJsProxy, "/users.v1.UserService/ListUsers", Metadata(client, ("x-stream-count", "40"))).DefaultTimeout();

        Assert.Equal(0, result.Code);
        Assert.Equal(40, result.Messages);
    }

    [Theory]
    [MemberData(nameof(UpstreamClients.Both), MemberType = typeof(UpstreamClients))]
    public async Task GrpcJs_ClientStreaming_EveryMessage(string client)
    {
        var result = await GrpcJsClient.CallAsync(_fixture.GrpcJsProxy, "/payments.v1.PaymentService/BatchCharge", Metadata(client), send: 12).DefaultTimeout();

        Assert.Equal(0, result.Code);
        Assert.Equal(1, result.Messages);
        Assert.Equal("12", result.Trailer("x-received"));
    }

    [Theory]
    [MemberData(nameof(UpstreamClients.Both), MemberType = typeof(UpstreamClients))]
    public async Task GrpcJs_BidiStreaming_EchoesEveryMessage(string client)
    {
        var result = await GrpcJsClient.CallAsync(_fixture.GrpcJsProxy, "/payments.v1.PaymentService/PaymentChat", Metadata(client), send: 15).DefaultTimeout();

        Assert.Equal(0, result.Code);
        Assert.Equal(15, result.Messages);
    }

    [Theory]
    [MemberData(nameof(UpstreamClients.Both), MemberType = typeof(UpstreamClients))]
    public async Task GrpcJs_BinaryMetadata_ComesBackByteForByte(string client)
    {
        var metadata = Metadata(client);
        metadata["x-echo-bin"] = GrpcJsClient.Binary(Binary);

        var result = await GrpcJsClient.CallAsync(_fixture.GrpcJsProxy, "/users.v1.UserService/GetUser", metadata).DefaultTimeout();

        Assert.Equal(0, result.Code);
        Assert.Equal(Binary, result.BinaryTrailer("x-echo-bin"));
    }

    [Theory]
    [MemberData(nameof(UpstreamClients.Both), MemberType = typeof(UpstreamClients))]
    public async Task GrpcJs_TrailersOnlyError_StatusMessageAndDetailsBin(string client)
    {
        var message = "nö such user: 100% gone";
        var metadata = Metadata(client, ("x-fail", "5"));
        metadata["x-fail-message-bin"] = GrpcJsClient.Binary(Encoding.UTF8.GetBytes(message));
        metadata["x-echo-bin"] = GrpcJsClient.Binary(Binary);

        var result = await GrpcJsClient.CallAsync(_fixture.GrpcJsProxy, "/users.v1.UserService/GetUser", metadata).DefaultTimeout();

        _output.WriteLine(result.ToString());
        Assert.Equal(5, result.Code);
        Assert.Equal(message, result.Details);
        Assert.Equal(Binary, result.BinaryTrailer("grpc-status-details-bin"));
        Assert.Equal(Binary, result.BinaryTrailer("x-echo-bin"));
        Assert.Equal("b0", result.Trailer("x-backend"));
    }

    [Theory]
    [MemberData(nameof(UpstreamClients.Both), MemberType = typeof(UpstreamClients))]
    public async Task GrpcJs_ClientStreamingError_AfterEveryRequestMessage(string client)
    {
        // The backend fails the call only once the request stream has ended: the whole request went up first.
        var result = await GrpcJsClient.CallAsync(_fixture.GrpcJsProxy, "/payments.v1.PaymentService/BatchCharge", Metadata(client, ("x-fail", "9")), send: 3).DefaultTimeout();

        Assert.Equal(9, result.Code);
        Assert.Equal("b0", result.Trailer("x-backend"));
    }

    [Theory]
    [MemberData(nameof(UpstreamClients.Both), MemberType = typeof(UpstreamClients))]
    public async Task GrpcDotnet_Unary_RequestMetadataReachesTheBackendByteForByte(string client)
    {
        using var channel = GrpcChannel.ForAddress(_fixture.SampleProxy);
        var users = new UserService.UserServiceClient(channel);
        var ascii = $"v {client} ~!#$%&'*+-.^_`|:;<=>?@[]{{}}()/\\\"";
        var headers = Headers(client);
        headers.Add("x-meta", ascii);
        headers.Add("x-meta-bin", Binary);

        using var call = users.GetUserAsync(new GetUserRequest { UserId = "u-1003" }, headers);
        var user = await call.ResponseAsync.DefaultTimeout();
        var responseHeaders = await call.ResponseHeadersAsync.DefaultTimeout();

        Assert.Equal("Alan Turing", user.DisplayName);
        Assert.Equal("v1", responseHeaders.GetValue("x-backend-version"));
        var seen = _fixture.Sample.LastCall("users.v1.UserService/GetUser")!;
        Assert.Equal(ascii, seen.Header("x-meta"));
        Assert.Equal(Binary, Convert.FromBase64String(Pad(seen.Header("x-meta-bin")!)));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Theory]
    [MemberData(nameof(UpstreamClients.Both), MemberType = typeof(UpstreamClients))]
    public async Task GrpcDotnet_ServerStreaming_InOrder(string client)
    {
        using var channel = GrpcChannel.ForAddress(_fixture.SampleProxy);
        using var call = new UserService.UserServiceClient(channel).ListUsers(new ListUsersRequest { Plan = Plan.Pro }, Headers(client));

        var users = await GrpcAssert.ReadAllAsync(call.ResponseStream);

        Assert.Equal(["u-1002", "u-1004"], users.Select(u => u.UserId));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
        Assert.Equal("v1", (await call.ResponseHeadersAsync.DefaultTimeout()).GetValue("x-backend-version"));
    }

    [Theory]
    [MemberData(nameof(UpstreamClients.Both), MemberType = typeof(UpstreamClients))]
    public async Task GrpcDotnet_ClientStreaming_SummarisesEveryMessage(string client)
    {
        using var channel = GrpcChannel.ForAddress(_fixture.SampleProxy);
        using var call = new PaymentService.PaymentServiceClient(channel).BatchCharge(Headers(client));
        await BatchCharges.WriteAsync(call.RequestStream, 5);
        var summary = await call.ResponseAsync.DefaultTimeout();

        Assert.Equal((4, 1), (summary.Succeeded, summary.Declined));
        Assert.Equal(8, summary.Total.Units);
    }

    [Theory]
    [MemberData(nameof(UpstreamClients.Both), MemberType = typeof(UpstreamClients))]
    public async Task GrpcDotnet_BidiStreaming_InterleavedAnswers(string client)
    {
        using var channel = GrpcChannel.ForAddress(_fixture.SampleProxy);
        await InterleavedAnswersAsync(channel, client, questions: 10);
    }

    [Theory]
    [MemberData(nameof(UpstreamClients.Both), MemberType = typeof(UpstreamClients))]
    public async Task GrpcDotnet_ApplicationError_TrailersOnlyWithBackendMetadata(string client)
    {
        using var channel = GrpcChannel.ForAddress(_fixture.SampleProxy);
        var users = new UserService.UserServiceClient(channel);

        var ex = await GrpcAssert.FailsWith(StatusCode.NotFound, () => users.GetUserAsync(new GetUserRequest { UserId = "u-404" }, Headers(client)).ResponseAsync);

        Assert.Contains("u-404", ex.Status.Detail, StringComparison.Ordinal);
        Assert.Equal("v1", ex.Trailers.GetValue("x-backend-version"));
    }

    [Theory]
    [MemberData(nameof(UpstreamClients.Both), MemberType = typeof(UpstreamClients))]
    public async Task GrpcDotnet_DuplexError_AnswersBeforeItThenStatus(string client)
    {
        using var channel = GrpcChannel.ForAddress(_fixture.SampleProxy);
        using var call = new PaymentService.PaymentServiceClient(channel).PaymentChat(Headers(client));

        await call.RequestStream.WriteAsync(new ChatMessage { SessionId = "s-err", Sender = "client", Text = "hello" }).DefaultTimeout();
        Assert.True(await call.ResponseStream.MoveNext().DefaultTimeout());
        await call.RequestStream.WriteAsync(new ChatMessage { SessionId = "s-err", Sender = "client", Text = " " }).DefaultTimeout();
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext()).DefaultTimeout();

        // A status after a message travels in real trailers, not Trailers-Only.
        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Equal("A chat message needs text.", ex.Status.Detail);
    }

    [Theory]
    [MemberData(nameof(UpstreamClients.Both), MemberType = typeof(UpstreamClients))]
    public async Task GrpcProtoContentType_BidiStreaming_InterleavedAnswers(string client)
    {
        // application/grpc+proto is as much a gRPC call as application/grpc (connect-node's gRPC transport sends it):
        // each message must be sent on as it comes, not held for the request's end.
        using var channel = GrpcChannel.ForAddress(_fixture.SampleProxy, new GrpcChannelOptions { HttpHandler = new GrpcProtoContentType() });
        await InterleavedAnswersAsync(channel, client, questions: 3);
    }

    [Theory]
    [MemberData(nameof(UpstreamClients.Both), MemberType = typeof(UpstreamClients))]
    public async Task GrpcProtoContentType_DuplexError_StatusReachesACallerStillSending(string client)
    {
        // The backend ends the call while the caller's request stream is still open: the status must reach the caller
        // without waiting for a request end the caller will only send after it.
        using var channel = GrpcChannel.ForAddress(_fixture.SampleProxy, new GrpcChannelOptions { HttpHandler = new GrpcProtoContentType() });
        using var call = new PaymentService.PaymentServiceClient(channel).PaymentChat(Headers(client));

        await call.RequestStream.WriteAsync(new ChatMessage { SessionId = "s-proto-err", Sender = "client", Text = " " }).DefaultTimeout();
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext()).DefaultTimeout();

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Equal("A chat message needs text.", ex.Status.Detail);
    }

    [Theory]
    [MemberData(nameof(UpstreamClients.Both), MemberType = typeof(UpstreamClients))]
    public async Task ConnectNodeGrpc_Unary_MessageAndBackendMetadata(string client)
    {
        // connect-node's own gRPC implementation (not grpc-js), which sends application/grpc+proto.
        var result = await BrowserClient.CallAsync(_fixture.SampleProxy, "connect-node/grpc/proto", "/users.v1.UserService/GetUser", new { userId = "u-1002" }, ConnectHeaders(client));

        Assert.True(result.Code == 0, result.ToString());
        Assert.Equal("Grace Hopper", Assert.Single(result.Messages)!["displayName"]!.GetValue<string>());
        Assert.Equal("v1", result.Metadata("x-backend-version"));
    }

    [Theory]
    [MemberData(nameof(UpstreamClients.Both), MemberType = typeof(UpstreamClients))]
    public async Task ConnectNodeGrpc_ServerStreaming_EveryMessageInOrder(string client)
    {
        var result = await BrowserClient.CallAsync(_fixture.SampleProxy, "connect-node/grpc/proto", "/users.v1.UserService/ListUsers", new { pageSize = 4 }, ConnectHeaders(client));

        Assert.True(result.Code == 0, result.ToString());
        Assert.Equal(["u-1001", "u-1002", "u-1003", "u-1004"], result.Messages.Select(m => m!["userId"]!.GetValue<string>()));
    }

    [Theory]
    [MemberData(nameof(UpstreamClients.Both), MemberType = typeof(UpstreamClients))]
    public async Task ConnectNodeGrpc_ApplicationError_CodeMessageAndMetadata(string client)
    {
        var result = await BrowserClient.CallAsync(_fixture.SampleProxy, "connect-node/grpc/proto", "/users.v1.UserService/GetUser", new { userId = "u-404" }, ConnectHeaders(client));

        Assert.True(result.Code == 5, result.ToString());
        Assert.Contains("u-404", result.Message, StringComparison.Ordinal);
        Assert.Equal("v1", result.Metadata("x-backend-version"));
        Assert.Empty(result.Messages);
    }

    public void Dispose()
    {
        var errors = _fixture.Logs.Errors.Skip(_errorsBefore).ToArray();
        Assert.True(errors.Length == 0, "Unexpected error logs:\n" + string.Join('\n', errors));
    }

    private static Dictionary<string, object> Metadata(string client, params (string Name, string Value)[] more)
    {
        var metadata = new Dictionary<string, object> { [UpstreamClients.Header] = client };
        foreach (var (name, value) in more)
        {
            metadata[name] = value;
        }

        return metadata;
    }

    private static Metadata Headers(string client) => new() { { UpstreamClients.Header, client } };

    /// <summary>A chat in which each answer must arrive before the next question is sent: nothing may wait for the request stream's end.</summary>
    private static async Task InterleavedAnswersAsync(GrpcChannel channel, string client, int questions)
    {
        using var call = new PaymentService.PaymentServiceClient(channel).PaymentChat(Headers(client));
        for (var i = 0; i < questions; i++)
        {
            await call.RequestStream.WriteAsync(new ChatMessage { SessionId = $"s-{client}", Sender = "client", Text = $"question {i}" }).DefaultTimeout();
            Assert.True(await call.ResponseStream.MoveNext().DefaultTimeout());
            Assert.Equal($"s-{client}", call.ResponseStream.Current.SessionId);
        }

        await call.RequestStream.CompleteAsync().DefaultTimeout();
        Assert.False(await call.ResponseStream.MoveNext().DefaultTimeout());
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    private static Dictionary<string, string> ConnectHeaders(string client) => new() { [UpstreamClients.Header] = client };

    /// <summary>Sends Grpc.Net.Client's calls as <c>application/grpc+proto</c>, as connect-node's gRPC transport does.</summary>
    private sealed class GrpcProtoContentType() : DelegatingHandler(new SocketsHttpHandler())
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Content!.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/grpc+proto");
            return base.SendAsync(request, cancellationToken);
        }
    }

    /// <summary>gRPC senders may leave base64 padding off (PROTOCOL-HTTP2.md); .NET's decoder wants it.</summary>
    private static string Pad(string base64) => base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
}
