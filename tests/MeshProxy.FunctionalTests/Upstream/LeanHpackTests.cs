using System.Net;
using System.Text.Json;
using MeshProxy.Configuration;
using MeshProxy.TestSupport;
using MeshProxy.Upstream;
using Microsoft.AspNetCore.Http;

namespace MeshProxy.FunctionalTests.Upstream;

/// <summary>
/// The lean client's HPACK encoder against an independent decoder: nghttp2, in node's http2 server
/// (tests/node/upstream/h2peer.js), which echoes the request fields it decoded. Many calls on one connection, with
/// evictions, SETTINGS_HEADER_TABLE_SIZE changes and a call whose header block could not be encoded, must each arrive
/// exactly as sent (RFC 7541 §2.3.2: one mistake in the table and every later block decodes wrong, or not at all).
/// </summary>
public sealed class LeanHpackTests(H2PeerFixture fixture) : IClassFixture<H2PeerFixture>
{
    private static readonly string[] Methods = ["/users.v1.UserService/GetUser", "/users.v1.UserService/ListUsers", "/orders.v2.OrderService/PlaceOrder", "/health.v1.Health/Check"];

    [Fact]
    public async Task ManyCallsOnOneConnection_NghttpDecodesEveryFieldAsSent()
    {
        using var client = new HttpMessageInvoker(new LeanHttp2Handler(
            new ClusterConfig("hpack", EquatableArray<DestinationConfig>.Empty, LoadBalancingKind.RoundRobin, TimeSpan.FromSeconds(5), new Http2Config(false, Http2ClientKind.Lean)),
            LeanHttp2Timings.Default));

        // The server lowers its table size to 100 and to 0, raises it to 1024 and past our 4096; the call that
        // asks gets its reply after our ack, so the call after it must open with the size update.
        var tableSizes = new Dictionary<int, int> { [40] = 100, [55] = 0, [65] = 1024, [80] = 65536 };
        var random = new Random(7541);
        var sessions = new HashSet<string>();
        var indexedBytes = 0;
        for (var i = 0; i < 120; i++)
        {
            var path = Methods[random.Next(Methods.Length)];
            var fields = Metadata(i, random);
            indexedBytes += fields.Where(f => f.Name.StartsWith("x-call-", StringComparison.Ordinal)).Sum(f => f.Name.Length + f.Value.Length + 32);
            using var request = Request(path, fields);
            request.Headers.Add("grpc-timeout", $"{random.Next(1, 100_000)}m");
            request.Headers.TryAddWithoutValidation("authorization", $"Bearer token-{i % 3}");
            if (tableSizes.TryGetValue(i, out var size))
            {
                request.Headers.Add("x-table-size", size.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            if (i == 30 || i == 70)
            {
                // New fields first, so the block has added entries when it fails: then a value HPACK cannot carry.
                request.Headers.TryAddWithoutValidation("x-not-latin1", "caf\u20ac");
                var error = await Assert.ThrowsAsync<HttpRequestException>(() => client.SendAsync(request, CancellationToken.None).DefaultTimeout());
                Assert.Contains("cannot be sent upstream", error.Message, StringComparison.Ordinal);
                continue;
            }

            using var response = await client.SendAsync(request, CancellationToken.None).DefaultTimeout();
            await response.Content.ReadAsByteArrayAsync().DefaultTimeout();
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            sessions.Add(response.Headers.GetValues("x-session").Single());

            var received = JsonSerializer.Deserialize<string[][]>(response.Headers.GetValues("x-received").Single())!.Select(f => (Name: f[0], Value: f[1])).ToList();
            Assert.Equal(fields.Prepend((":path", path)), received.Where(f => f.Name == ":path" || f.Name.StartsWith("x-", StringComparison.Ordinal) && f.Name is not ("x-echo-headers" or "x-table-size")));
            Assert.Equal(request.Headers.GetValues("grpc-timeout").Single(), received.Single(f => f.Name == "grpc-timeout").Value);
            Assert.Equal($"Bearer token-{i % 3}", received.Single(f => f.Name == "authorization").Value);
            Assert.Equal(["application/grpc"], received.Where(f => f.Name == "content-type").Select(f => f.Value));
            Assert.Equal(["trailers"], received.Where(f => f.Name == "te").Select(f => f.Value));
        }

        Assert.Single(sessions);
        Assert.True(indexedBytes > 2 * 4096, $"the fields to index should overflow the table more than once: {indexedBytes} bytes");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task CallerHeaders_FollowTheTrysOwn_WhichReplaceTheirNamesakes_AndTheCallersHostIsTheAuthority(bool manyOwnFields)
    {
        using var handler = new LeanHttp2Handler(
            new ClusterConfig("caller", EquatableArray<DestinationConfig>.Empty, LoadBalancingKind.RoundRobin, TimeSpan.FromSeconds(5), new Http2Config(false, Http2ClientKind.Lean)),
            LeanHttp2Timings.Default);
        var caller = new DefaultHttpContext();
        caller.Request.Protocol = HttpProtocol.Http2;
        caller.Request.Headers.Host = "users.mesh:8443";
        caller.Request.Headers.ContentType = "application/grpc";
        caller.Request.Headers.TE = "trailers";
        caller.Request.Headers["traceparent"] = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        caller.Request.Headers["tracestate"] = "vendor=caller";
        caller.Request.Headers["grpc-previous-rpc-attempts"] = "9";
        caller.Request.Headers["grpc-timeout"] = "10S";
        caller.Request.Headers["x-tenant"] = new(["a", "b"]);
        caller.Request.Headers["x-echo-headers"] = "1";
        using var request = new HttpRequestMessage(HttpMethod.Post, fixture.Address + Methods[0]) { Content = new ByteArrayContent(GrpcFrames.Frame([])) };
        request.Headers.TryAddWithoutValidation("grpc-timeout", "99m");
        request.Headers.TryAddWithoutValidation("traceparent", "00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01");
        request.Headers.TryAddWithoutValidation("grpc-previous-rpc-attempts", "1");
        if (manyOwnFields)
        {
            // More than the encoder keeps names of: the request itself is asked.
            request.Headers.TryAddWithoutValidation("x-own-1", "1");
            request.Headers.TryAddWithoutValidation("x-own-2", "2");
            request.Headers.TryAddWithoutValidation("x-tenant", "own");
        }

        using var response = await handler.SendAsync(request, CallerHeaders.From(caller.Request), CancellationToken.None).DefaultTimeout();
        await response.Content.ReadAsByteArrayAsync().DefaultTimeout();

        // A call that took the caller's headers gets the response's fields kept for the proxy to copy, not in HttpHeaders.
        Assert.False(response.Headers.Contains("x-received"));
        var received = JsonSerializer.Deserialize<string[][]>(UpstreamResponseFields.First(response, "x-received")!)!.Select(f => (Name: f[0], Value: f[1])).ToList();
        (string, string)[] expected =
        [
            (":method", "POST"), (":scheme", "http"), (":authority", "users.mesh:8443"), (":path", Methods[0]),
            ("grpc-timeout", "99m"), ("traceparent", "00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01"), ("grpc-previous-rpc-attempts", "1"),
            .. manyOwnFields ? [("x-own-1", "1"), ("x-own-2", "2"), ("x-tenant", "own")] : Array.Empty<(string, string)>(),
            ("content-type", "application/grpc"), ("te", "trailers"),
            .. manyOwnFields ? Array.Empty<(string, string)>() : [("x-tenant", "a"), ("x-tenant", "b")],
            ("x-echo-headers", "1"),
        ];
        Assert.Equal(expected, received.Where(f => f.Name != "content-length"));
    }

    private HttpRequestMessage Request(string path, IEnumerable<(string Name, string Value)> fields)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, fixture.Address + path)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(GrpcFrames.Frame([])),
        };
        request.Content.Headers.TryAddWithoutValidation("content-type", "application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        request.Headers.TryAddWithoutValidation("user-agent", "grpc-dotnet/2.85.0 (.NET 10.0.0; CLR 10.0.0; net10.0; linux; x64)");
        request.Headers.TryAddWithoutValidation("x-echo-headers", "1");
        foreach (var (name, value) in fields)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return request;
    }

    /// <summary>
    /// A tenant from a few (indexed once, then one byte), a field of the call's own (indexed, later evicted), now and
    /// then a value of a few hundred bytes or one over a quarter of the table (never indexed).
    /// </summary>
    private static List<(string Name, string Value)> Metadata(int i, Random random)
    {
        var fields = new List<(string Name, string Value)>
        {
            ("x-tenant", $"tenant-{random.Next(6)}"),
            ($"x-call-{i}", $"value {i} {new string('v', random.Next(1, 60))}"),
        };
        if (random.Next(3) == 0)
        {
            fields.Add(("x-medium", new string((char)('a' + random.Next(26)), random.Next(100, 400))));
        }

        if (random.Next(8) == 0)
        {
            fields.Add(("x-large", new string('L', random.Next(1100, 3000))));
        }

        return fields;
    }
}
