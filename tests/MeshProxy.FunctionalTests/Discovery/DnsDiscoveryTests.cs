using System.Diagnostics;
using System.Text.Json;
using Grpc.Core;
using MeshProxy.Hosting;
using MeshProxy.TestSupport;
using MeshProxy.TrafficPolicy;
using Xunit.Abstractions;

namespace MeshProxy.FunctionalTests.Discovery;

/// <summary>
/// DNS-fed clusters through a real sidecar, a DNS server on loopback UDP and sample backends on 127.0.0.N: per-call
/// spreading over every record, records added and removed under load, TTLs, a dead resolver, early re-resolution
/// after a connect failure, and a bad pod ejected while its siblings serve.
/// </summary>
public sealed class DnsDiscoveryTests(ITestOutputHelper output)
{
    private const string GetUser = "/users.v1.UserService/GetUser";

    [Fact]
    public async Task DnsCluster_ThreeRecords_RoundRobinSpreadsCallsEvenlyOverEveryPod()
    {
        await using var stack = await DnsStack.StartAsync(output, pods: 3);

        // Start-up waited for the first lookup: the pods are there before the first call.
        Assert.Equal([2, 3, 4], stack.Destinations());
        var served = new Dictionary<int, int>();
        for (var i = 0; i < 60; i++)
        {
            var (status, pod) = await stack.CallAsync();
            Assert.Equal(StatusCode.OK, status);
            served[pod] = served.GetValueOrDefault(pod) + 1;
        }

        Assert.Equal(new Dictionary<int, int> { [2] = 20, [3] = 20, [4] = 20 }, served);
    }

    [Fact]
    public async Task Rollout_PodsReplacedOneByOneUnderLoad_NoCallFailsAndEachNewPodServes()
    {
        await using var stack = await DnsStack.StartAsync(output, pods: 3);
        await using var load = new RolloutLoad(stack.CallAsync, callers: 8);
        var calls = load.Calls;
        await calls.WaitForMoreAsync(200).DefaultTimeout();
        var started = Stopwatch.GetTimestamp();
        var toTraffic = new List<TimeSpan>();
        foreach (var (old, fresh) in new[] { (2, 5), (3, 6), (4, 7) })
        {
            // A new pod becomes ready: kube-dns adds its record.
            await stack.StartPodAsync(fresh);
            var published = Stopwatch.GetTimestamp();
            stack.Publish(add: [fresh]);
            toTraffic.Add(await load.FirstServedAsync(fresh, published));

            // The old pod terminates: its record goes first, its calls drain, then it stops listening.
            var leaving = stack.Cluster.Destinations.Single(d => d.Prefix == $"http://127.0.0.{old}:{stack.Port}");
            stack.Publish(remove: [old]);
            await stack.WaitForDestinationsAsync([.. stack.Destinations().Where(d => d != old)]);
            await RolloutLoad.WaitUntilAsync(() => leaving.InFlight == 0);
            await stack.StopPodAsync(old);
            await calls.WaitForMoreAsync(100).DefaultTimeout();
        }

        var rollout = Stopwatch.GetElapsedTime(started);
        await calls.WaitForMoreAsync(200).DefaultTimeout();
        await load.StopAsync();

        output.WriteLine(
            $"rollout: {calls.Count} calls, {load.Failures.Count} failures, 3 pods replaced in {rollout.TotalMilliseconds:F0} ms; " +
            $"new pod first served after {string.Join(" / ", toTraffic.Select(t => $"{t.TotalMilliseconds:F0} ms"))} (minRefresh 50ms, TTL 0)");
        Assert.Empty(load.Failures);
        Assert.Equal([5, 6, 7], stack.Destinations());
        foreach (var pod in new[] { 5, 6, 7 })
        {
            Assert.True(stack.Pod(pod).Calls.TotalCalls > 0, $"pod {pod} served nothing");
        }
    }

    [Fact]
    public async Task StayingPod_AcrossRecordChanges_KeepsItsDestinationStateAndConnection()
    {
        await using var stack = await DnsStack.StartAsync(output, pods: 2);
        var staying = stack.Cluster.Destinations[0];
        var client = stack.Cluster.Client;
        Assert.Equal(StatusCode.OK, (await stack.CallAsync()).Status);

        await stack.StartPodAsync(4);
        stack.Publish(add: [4], remove: [3]);
        await stack.WaitForDestinationsAsync(2, 4);

        Assert.Same(staying, stack.Cluster.Destinations[0]);
        Assert.Same(staying.Availability, stack.Cluster.Availability);

        // The cluster's client, and so its pooled HTTP/2 connection to the staying pod, is the same one.
        Assert.Same(client, stack.Cluster.Client);
    }

    [Theory]
    [InlineData(3600, "50ms", "200ms")] // a long TTL: maxRefresh bounds it
    [InlineData(1, "50ms", "1h")] // a short TTL: the next lookup follows it, not maxRefresh
    public async Task RecordChange_TtlWithinBounds_FollowedWithoutWaitingForTheOtherBound(int ttlSeconds, string minRefresh, string maxRefresh)
    {
        await using var stack = await DnsStack.StartAsync(output, pods: 2, ttl: TimeSpan.FromSeconds(ttlSeconds), minRefresh: minRefresh, maxRefresh: maxRefresh);
        await stack.StartPodAsync(4);

        stack.Publish(add: [4]);

        await stack.WaitForDestinationsAsync(2, 3, 4);
    }

    [Theory]
    [InlineData(30, "1s", "1h", 30_000)]
    [InlineData(0, "1s", "1h", 1_000)]
    [InlineData(7200, "1s", "90s", 90_000)]
    public async Task Lookup_RecordTtl_NextLookupScheduledAtTtlWithinBounds(int ttlSeconds, string minRefresh, string maxRefresh, int expectedMs)
    {
        await using var stack = await DnsStack.StartAsync(output, pods: 1, ttl: TimeSpan.FromSeconds(ttlSeconds), minRefresh: minRefresh, maxRefresh: maxRefresh);

        // The first lookup ran at start; a gateway failure makes the watcher look again (minRefresh after the last
        // lookup), and that lookup reports the wait it scheduled from the TTL on the wire.
        var next = stack.Watcher.NextLookup;
        stack.Cluster.Destinations[0].Record(AttemptOutcome.GatewayFailure);
        var lookup = await next.DefaultTimeout();

        Assert.True(lookup.Answer.Succeeded);
        Assert.Equal(TimeSpan.FromSeconds(ttlSeconds), lookup.Answer.Ttl);
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), lookup.NextIn);
    }

    [Theory]
    [InlineData(DnsResponderMode.Silent, "timed out")]
    [InlineData(DnsResponderMode.ServerFailure, "")]
    public async Task DeadResolver_LookupsFail_LastGoodSetKeptAndCallsServedUntilItAnswersAgain(DnsResponderMode mode, string reason)
    {
        await using var stack = await DnsStack.StartAsync(output, pods: 2);
        stack.Dns.Mode = mode;
        DnsLookupOutcome failed;
        do
        {
            failed = new(await stack.Watcher.NextLookup.DefaultTimeout());
        }
        while (failed.Succeeded);

        Assert.Contains(reason, failed.Error, StringComparison.OrdinalIgnoreCase);
        Assert.Equal([2, 3], stack.Destinations());
        var served = new HashSet<int>();
        for (var i = 0; i < 20; i++)
        {
            var (status, pod) = await stack.CallAsync();
            Assert.Equal(StatusCode.OK, status);
            served.Add(pod);
        }

        Assert.Equal([2, 3], served.Order());

        // It answers again, with a new pod: followed.
        await stack.StartPodAsync(4);
        stack.Publish(add: [4]);
        stack.Dns.Mode = DnsResponderMode.Answer;
        await stack.WaitForDestinationsAsync(2, 3, 4);
    }

    [Fact]
    public async Task NameGone_Nxdomain_LastGoodSetKept()
    {
        await using var stack = await DnsStack.StartAsync(output, pods: 2);
        stack.Dns.Remove(DnsStack.Name);

        DnsLookupOutcome lookup;
        do
        {
            lookup = new(await stack.Watcher.NextLookup.DefaultTimeout());
        }
        while (lookup.Succeeded);

        Assert.Contains("NXDOMAIN", lookup.Error, StringComparison.Ordinal);
        Assert.Equal([2, 3], stack.Destinations());
    }

    [Fact]
    public async Task PodGoneBeforeItsRecord_ConnectFailure_ResolvesEarlyAndNoCallFails()
    {
        // A TTL of an hour and maxRefresh of an hour: only the early refresh after a gateway failure can notice.
        await using var stack = await DnsStack.StartAsync(output, pods: 2, ttl: TimeSpan.FromHours(1), minRefresh: "50ms", maxRefresh: "1h");
        stack.Publish(remove: [3]);
        await stack.StopPodAsync(3);

        for (var i = 0; i < 10; i++)
        {
            var (status, pod) = await stack.CallAsync();
            Assert.Equal(StatusCode.OK, status);
            Assert.Equal(2, pod);
        }

        await stack.WaitForDestinationsAsync(2);
    }

    [Fact]
    public async Task BadPod_FailsEveryCall_EjectedWhileSiblingsServeAndNoCallFails()
    {
        await using var stack = await DnsStack.StartAsync(
            output,
            pods: 3,
            cluster: "    outlierDetection: { consecutiveGatewayFailures: 3, baseEjectionTime: 5m }");
        stack.Pod(4).Faults.Add($"{GetUser}:status=UNAVAILABLE");

        var served = new Dictionary<int, int>();
        for (var i = 0; i < 30; i++)
        {
            var (status, pod) = await stack.CallAsync();
            Assert.Equal(StatusCode.OK, status);
            served[pod] = served.GetValueOrDefault(pod) + 1;
        }

        var bad = stack.Cluster.Destinations.Single(d => d.Name == $"127.0.0.4:{stack.Port}");
        Assert.True(bad.Ejected);
        Assert.Equal([2, 3], served.Keys.Order());
        var badCalls = stack.Pod(4).Calls.TotalCalls;
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(StatusCode.OK, (await stack.CallAsync()).Status);
        }

        Assert.Equal(badCalls, stack.Pod(4).Calls.TotalCalls);

        // GET /clusters shows the discovered pods, the bad one ejected.
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        using var json = JsonDocument.Parse(await http.GetStringAsync(new Uri(stack.Proxy.Address(ListenerName.Admin), "/clusters")).DefaultTimeout());
        var cluster = json.RootElement.GetProperty("clusters")[0];
        Assert.Equal($"dns {DnsStack.Name}:{stack.Port}", cluster.GetProperty("source").GetString());
        var destinations = cluster.GetProperty("destinations").EnumerateArray().ToList();
        Assert.Equal([$"127.0.0.2:{stack.Port}", $"127.0.0.3:{stack.Port}", $"127.0.0.4:{stack.Port}"], destinations.Select(d => d.GetProperty("name").GetString()));
        Assert.Equal([false, false, true], destinations.Select(d => d.GetProperty("ejected").GetBoolean()));
    }

    private sealed record DnsLookupOutcome(bool Succeeded, string Error)
    {
        public DnsLookupOutcome(MeshProxy.Discovery.DnsLookup lookup)
            : this(lookup.Answer.Succeeded, lookup.Answer.Error ?? string.Empty)
        {
        }
    }
}
