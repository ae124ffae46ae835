using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using Grpc.Core;
using MeshProxy.SampleBackends;
using MeshProxy.SampleBackends.Faults;
using MeshProxy.Samples.Users.V1;
using MeshProxy.TestSupport;
using Xunit.Abstractions;

namespace MeshProxy.FunctionalTests.SampleBackends;

/// <summary>What a bare HTTP/2 client sees: exact headers of Trailers-Only replies, and a deadline the client does not enforce itself.</summary>
public sealed class RawHttp2Tests(ITestOutputHelper output)
{
    [Fact]
    public async Task LatencyFault_DeadlineShorterThanLatency_ServerRepliesDeadlineExceededTrailersOnly()
    {
        await using var backend = await TestBackend.StartAsync(output, new SampleBackendOptions
        {
            Version = "v5",
            Faults = [new FaultRule { Method = "*", Latency = TimeSpan.FromMinutes(1) }],
        });

        using var response = await SendAsync(backend, "/users.v1.UserService/GetUser", new GetUserRequest { UserId = "u-1001" }, timeout: "100m").DefaultTimeout();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("4", Single(response.Headers, "grpc-status"));
        Assert.Equal("v5", Single(response.Headers, "x-backend-version"));
        Assert.Empty(await response.Content.ReadAsByteArrayAsync().DefaultTimeout());
    }

    [Fact]
    public async Task StatusFault_TrailersOnly_CarriesStatusMessageAndVersionInHeaders()
    {
        await using var backend = await TestBackend.StartAsync(output, new SampleBackendOptions
        {
            Version = "v6",
            Faults = [new FaultRule { Method = "*", Status = StatusCode.Unavailable, Message = "backend drained: 100%" }],
        });

        using var response = await SendAsync(backend, "/users.v1.UserService/GetUser", new GetUserRequest { UserId = "u-1001" }).DefaultTimeout();

        Assert.Equal("application/grpc", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("14", Single(response.Headers, "grpc-status"));
        Assert.Equal("backend drained: 100%25", Single(response.Headers, "grpc-message"));
        Assert.Equal("v6", Single(response.Headers, "x-backend-version"));
    }

    [Fact]
    public async Task Success_VersionInHeadersAndStatusInTrailers()
    {
        await using var backend = await TestBackend.StartAsync(output, new SampleBackendOptions { Version = "v8" });

        using var response = await SendAsync(backend, "/users.v1.UserService/GetUser", new GetUserRequest { UserId = "u-1001" }).DefaultTimeout();
        var body = await response.Content.ReadAsByteArrayAsync().DefaultTimeout();

        Assert.Equal("v8", Single(response.Headers, "x-backend-version"));
        Assert.Equal("0", Single(response.TrailingHeaders, "grpc-status"));
        Assert.Equal(body.Length - 5, BinaryPrimitives.ReadInt32BigEndian(body.AsSpan(1)));
        Assert.Equal("u-1001", User.Parser.ParseFrom(body.AsSpan(5)).UserId);
    }

    private static async Task<HttpResponseMessage> SendAsync(TestBackend backend, string path, IMessage message, string? timeout = null)
    {
        var payload = message.ToByteArray();
        var framed = new byte[5 + payload.Length];
        BinaryPrimitives.WriteInt32BigEndian(framed.AsSpan(1), payload.Length);
        payload.CopyTo(framed, 5);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(backend.Handle.Address, path))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(framed),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TE.Add(new TransferCodingWithQualityHeaderValue("trailers"));
        if (timeout is not null)
        {
            request.Headers.Add("grpc-timeout", timeout);
        }

        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        // The whole reply is buffered (trailers included), so the client can go before the test reads it.
        return await client.SendAsync(request, HttpCompletionOption.ResponseContentRead);
    }

    private static string Single(HttpHeaders headers, string name) =>
        Assert.Single(headers.TryGetValues(name, out var values) ? values : []);
}
