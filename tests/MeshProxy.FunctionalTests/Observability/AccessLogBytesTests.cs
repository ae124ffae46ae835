using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using MeshProxy.FunctionalTests.Infrastructure;
using MeshProxy.FunctionalTests.Transcoding;
using MeshProxy.Hosting;
using MeshProxy.Samples.Users.V1;
using MeshProxy.TestSupport;

namespace MeshProxy.FunctionalTests.Observability;

/// <summary>
/// <c>request_bytes</c> / <c>response_bytes</c> of the access log: the body bytes the caller sent and got, counted
/// against what the test itself put on and took off the wire.
/// </summary>
public sealed class AccessLogBytesTests
{
    [Fact]
    public async Task AccessLogBytes_GrpcAndRestCalls_MatchTheBodiesOnTheWire()
    {
        var directory = Directory.CreateTempSubdirectory("meshproxy-access-bytes-");
        var path = Path.Combine(directory.FullName, "access.log");
        var stack = new TracingStack($$"""
            accessLog:
              enabled: true
              path: {{path}}
            transcoding:
              descriptorSets: [builtin]
              services: [users.v1.UserService]
            """);
        await stack.InitializeAsync();
        long unarySent, unaryReceived, streamSent, streamReceived, restSent, restReceived;
        try
        {
            using var client = GrpcHttp.CreateClient();

            // Unary: one framed GetUserRequest out, one framed User back.
            var unaryBody = GrpcFrames.Frame(new GetUserRequest { UserId = "u-1001" }.ToByteArray());
            var (unaryBytes, unaryStatus) = await SendGrpcAsync(client, stack.GrpcAddress, "/users.v1.UserService/GetUser", unaryBody, "bytes-unary");
            Assert.Equal("0", unaryStatus);
            var unaryMessages = GrpcFrames.Payloads(unaryBytes);
            Assert.Single(unaryMessages);
            Assert.Equal("u-1001", User.Parser.ParseFrom(unaryMessages[0]).UserId);
            unarySent = unaryBody.Length;
            unaryReceived = unaryBytes.Length;

            // Server stream: N framed Users back; every prefix and payload counts.
            var streamBody = GrpcFrames.Frame(new ListUsersRequest().ToByteArray());
            var (streamBytes, streamStatus) = await SendGrpcAsync(client, stack.GrpcAddress, "/users.v1.UserService/ListUsers", streamBody, "bytes-stream");
            Assert.Equal("0", streamStatus);
            var users = GrpcFrames.Payloads(streamBytes).Select(m => User.Parser.ParseFrom(m)).ToList();
            Assert.True(users.Count > 1, $"expected several users, got {users.Count}");
            streamSent = streamBody.Length;
            streamReceived = users.Sum(u => 5L + u.CalculateSize());
            Assert.Equal(streamBytes.Length, streamReceived);

            // REST: the HTTP bodies of the REST exchange, not the gRPC frames behind them.
            using var rest = new RestClient(stack.Proxy.Address(ListenerName.Rest));
            var json = """{"userId": "u-bytes", "displayName": "Byte Counter", "email": "bytes@example.com"}""";
            using var response = await rest.SendAsync(HttpMethod.Post, "/v1/users", json, ("x-request-id", "bytes-rest")).DefaultTimeout();
            var restBody = await response.Content.ReadAsByteArrayAsync().DefaultTimeout();
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("u-bytes", JsonDocument.Parse(restBody).RootElement.GetProperty("userId").GetString());
            restSent = Encoding.UTF8.GetByteCount(json);
            restReceived = restBody.Length;
        }
        finally
        {
            // Stopping drains the queue into the file.
            await stack.DisposeAsync();
        }

        var lines = (await File.ReadAllLinesAsync(path)).Select(l => JsonDocument.Parse(l).RootElement).ToDictionary(l => l.GetProperty("request_id").GetString()!);
        directory.Delete(recursive: true);
        AssertBytes(lines["bytes-unary"], unarySent, unaryReceived);
        AssertBytes(lines["bytes-stream"], streamSent, streamReceived);
        AssertBytes(lines["bytes-rest"], restSent, restReceived);
    }

    private static void AssertBytes(JsonElement line, long sent, long received)
    {
        Assert.Equal(sent, line.GetProperty("request_bytes").GetInt64());
        Assert.Equal(received, line.GetProperty("response_bytes").GetInt64());
    }

    private static async Task<(byte[] Body, string? Status)> SendGrpcAsync(HttpClient client, Uri proxy, string method, byte[] body, string requestId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(proxy, method))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        request.Headers.TryAddWithoutValidation("x-request-id", requestId);
        using var response = await client.SendAsync(request).DefaultTimeout();
        var received = await response.Content.ReadAsByteArrayAsync().DefaultTimeout();
        return (received, GrpcHttp.Status(response));
    }
}
