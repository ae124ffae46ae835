using System.Collections.Concurrent;
using MeshProxy.FunctionalTests.TrafficPolicy.Retries;
using MeshProxy.Grpc;
using MeshProxy.TestSupport;
using Microsoft.AspNetCore.Http;
using Xunit.Abstractions;

namespace MeshProxy.FunctionalTests.Upstream;

/// <summary>
/// More calls in flight than the backend's SETTINGS_MAX_CONCURRENT_STREAMS (RFC 9113 §6.5.2; Kestrel set to 10 here):
/// with <c>connectionsPerDestination: multiple</c> the client opens more connections and every call runs at once; with
/// <c>single</c> the calls wait for a free stream on the one connection. Every call succeeds either way. A first call
/// opens the connection, so the client knows the limit before the burst: a burst on a connection whose SETTINGS
/// have not arrived yet exceeds it, Kestrel refuses the excess (REFUSED_STREAM) and SocketsHttpHandler's own retry of
/// those cannot resend YARP's request body ("Stream was already consumed"), which today ends them UNAVAILABLE.
/// </summary>
public sealed class LeanConcurrencyTests(ITestOutputHelper output)
{
    private const int StreamLimit = 10;
    private const int Calls = 3 * StreamLimit;

    /// <summary>
    /// Lean only: SocketsHttpHandler fails this today. Its new connections take streams before their SETTINGS arrive, so
    /// the second and third connections get more than 10 at once, Kestrel refuses the excess, and those calls end
    /// UNAVAILABLE as above (10 of 30 in a run here).
    /// </summary>
    [Theory]
    [InlineData(UpstreamClients.Lean)]
    public async Task MoreCallsThanTheStreamLimit_MultipleConnections_AllRunTogether(string client)
    {
        // Each call is held until all of them are at the backend (or 10 s pass, and then the count below fails).
        await using var backend = await LimitedBackend.StartAsync(releaseAt: Calls);
        await using var stack = await RetryStack.StartAsync(output, backend.Config("connectionsPerDestination: multiple"), []);

        await WarmAsync(stack, client);
        var outcomes = await Task.WhenAll(Enumerable.Range(0, Calls).Select(_ => UpstreamCall.SendAsync(stack.Client, stack.Address, client))).DefaultTimeout();

        output.WriteLine($"{client}: {backend.Connections.Count} connections, at most {backend.MaxInFlight} calls at once");
        Assert.All(outcomes, o => Assert.Equal("0", o.Status));
        Assert.Equal(Calls, backend.MaxInFlight);
        Assert.True(backend.Connections.Count >= Calls / StreamLimit, $"{backend.Connections.Count} connections carried {Calls} concurrent calls");
    }

    [Theory]
    [MemberData(nameof(UpstreamClients.Both), MemberType = typeof(UpstreamClients))]
    public async Task MoreCallsThanTheStreamLimit_SingleConnection_CallsWaitForAFreeStream(string client)
    {
        // Each call is held until the connection is full, so every wave fills the 10 streams before it ends.
        await using var backend = await LimitedBackend.StartAsync(releaseAt: StreamLimit);
        await using var stack = await RetryStack.StartAsync(output, backend.Config("connectionsPerDestination: single"), []);

        await WarmAsync(stack, client);
        var outcomes = await Task.WhenAll(Enumerable.Range(0, Calls).Select(_ => UpstreamCall.SendAsync(stack.Client, stack.Address, client))).DefaultTimeout();

        output.WriteLine($"{client}: {backend.Connections.Count} connections, at most {backend.MaxInFlight} calls at once");
        Assert.All(outcomes, o => Assert.Equal("0", o.Status));
        Assert.Equal(StreamLimit, backend.MaxInFlight);
        Assert.Single(backend.Connections);
    }

    /// <summary>
    /// Lean only, and the burst comes before any call: RFC 9113 lets a client start before the server's SETTINGS and
    /// the server refuse the excess with REFUSED_STREAM, which §8.7 says was not processed. The lean client must not
    /// turn that into a failed call (by waiting for the SETTINGS before opening more than one stream on a new
    /// connection, or by sending the refused stream again). SocketsHttpHandler fails up to 20 of the 30 here.
    /// </summary>
    [Theory]
    [InlineData("single", StreamLimit)]
    [InlineData("multiple", Calls)]
    public async Task MoreCallsThanTheStreamLimit_ColdConnection_NoCallRefused(string connections, int releaseAt)
    {
        await using var backend = await LimitedBackend.StartAsync(releaseAt);
        await using var stack = await RetryStack.StartAsync(output, backend.Config($"connectionsPerDestination: {connections}"), []);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, Calls).Select(_ => UpstreamCall.SendAsync(stack.Client, stack.Address, UpstreamClients.Lean))).DefaultTimeout();

        output.WriteLine($"{connections}: {backend.Connections.Count} connections, at most {backend.MaxInFlight} calls at once");
        Assert.All(outcomes, o => Assert.Equal("0", o.Status));
        Assert.Equal(releaseAt, backend.MaxInFlight);
    }

    private static async Task WarmAsync(RetryStack stack, string client) =>
        Assert.Equal("0", (await UpstreamCall.SendAsync(stack.Client, stack.Address, client, headers: [(LimitedBackend.Unheld, "1")])).Status);

    /// <summary>
    /// A Kestrel backend allowing <see cref="StreamLimit"/> streams per connection. It counts the connections calls came
    /// on and the most calls in flight at once, and holds each call until <c>releaseAt</c> are in flight together (at
    /// most 10 s), which releases them all. A call carrying <see cref="Unheld"/> is answered at once and not counted.
    /// </summary>
    private sealed class LimitedBackend : IAsyncDisposable
    {
        public const string Unheld = "x-unheld";

        private readonly int _releaseAt;
        private readonly object _gate = new();
        private LoopbackServer _server = null!;
        private int _inFlight;
        private TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

        private LimitedBackend(int releaseAt) => _releaseAt = releaseAt;

        public ConcurrentDictionary<string, byte> Connections { get; } = new();

        public int MaxInFlight { get; private set; }

        public static async Task<LimitedBackend> StartAsync(int releaseAt)
        {
            var backend = new LimitedBackend(releaseAt);
            backend._server = await LoopbackServer.StartAsync(backend.HandleAsync, maxStreamsPerConnection: StreamLimit).DefaultTimeout();
            return backend;
        }

        public string Config(string http2) =>
            UpstreamClients.Config($$"""[ { address: "{{_server.Address}}", name: limited } ]""", route: "retry: { maxAttempts: 1 }", http2: http2);

        public ValueTask DisposeAsync() => _server.DisposeAsync();

        private async Task HandleAsync(HttpContext context)
        {
            Connections.TryAdd(context.Connection.Id, 0);
            if (context.Request.Headers.ContainsKey(Unheld))
            {
                await ScriptedBackend.MessageThenStatusAsync(context, [0], StatusCode.OK);
                return;
            }

            Task release;
            lock (_gate)
            {
                _inFlight++;
                MaxInFlight = Math.Max(MaxInFlight, _inFlight);
                release = _release.Task;
                if (_inFlight == _releaseAt)
                {
                    _release.SetResult();
                    _release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }
            }

            try
            {
                await release.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // Never all together: the test's count says so.
            }

            lock (_gate)
            {
                _inFlight--;
            }

            await ScriptedBackend.MessageThenStatusAsync(context, [1], StatusCode.OK);
        }
    }
}
