using System.Net;
using System.Net.Http.Headers;
using MeshProxy.TestSupport;
using MeshProxy.Upstream;

namespace MeshProxy.FunctionalTests.Upstream;

/// <summary>
/// <see cref="CallerHeaders"/> tells the fields Kestrel knows by the name instances Kestrel's collection gives out
/// (a lookup by reference), and falls back to comparing characters for any other. The fallback is always right, so only
/// a real server can show the fast path is taken: a Kestrel update that named its fields otherwise would make every
/// call slower and nothing else.
/// </summary>
public sealed class CallerHeaderInstancesTests
{
    [Fact]
    public async Task AGrpcCallsFields_TheServerNamesThemByTheInstancesTheTableKnows()
    {
        var seen = new TaskCompletionSource<Dictionary<string, bool>>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await LoopbackServer.StartAsync(context =>
        {
            seen.TrySetResult(context.Request.Headers.ToDictionary(h => h.Key, h => CallerHeaders.IsKnownInstance(h.Key), StringComparer.OrdinalIgnoreCase));
            return Task.CompletedTask;
        }).DefaultTimeout();
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{server.Address}/users.v1.UserService/GetUser")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent([0, 0, 0, 0, 0]),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        request.Headers.TryAddWithoutValidation("user-agent", "grpc-dotnet/2.85.0");
        request.Headers.TryAddWithoutValidation("grpc-timeout", "5S");
        request.Headers.TryAddWithoutValidation("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        request.Headers.TryAddWithoutValidation("x-tenant", "acme");

        using var response = await client.SendAsync(request).DefaultTimeout();
        var names = await seen.Task.DefaultTimeout();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        foreach (var known in new[] { "content-type", "content-length", "te", "user-agent", "grpc-timeout", "traceparent", "host" })
        {
            Assert.True(names.TryGetValue(known, out var byReference), $"the call sent no {known}: {string.Join(", ", names.Keys)}");
            Assert.True(byReference, $"Kestrel named {known} by an instance the table does not know");
        }

        // The table knows instances, not spellings: a name decoded from the caller's block is a string of its own.
        Assert.False(names["x-tenant"]);
    }
}
