using System.Diagnostics;
using System.Text.Json;
using Grpc.Core;
using MeshProxy.Hosting;
using MeshProxy.TestSupport;
using Xunit.Abstractions;
using static MeshProxy.FunctionalTests.Discovery.KubeStack;

namespace MeshProxy.FunctionalTests.Discovery;

/// <summary>
/// EndpointSlice-fed clusters through a real sidecar and its API client against a loopback API server that
/// speaks list and watch: ready pods only, a rollout with readiness and termination under load, a terminating pod
/// finishing its call, a dropped watch resumed from its resourceVersion, 410 Gone and relist, bookmarks, and the API
/// server away.
/// </summary>
public sealed class KubernetesDiscoveryTests(ITestOutputHelper output)
{
    private const string GetUser = "/users.v1.UserService/GetUser";

    [Fact]
    public async Task EndpointSlice_ReadyAndUnreadyPods_CallsSpreadOverEveryReadyPodNamedByPod()
    {
        await using var stack = await KubeStack.StartAsync(output, pods: 3);
        var modified = stack.WaitForUpdateAsync("modified");
        stack.SetEndpoint(5, Endpoint(5, ready: false, serving: false));
        Assert.False((await modified).Changed);

        var served = new Dictionary<int, int>();
        for (var i = 0; i < 60; i++)
        {
            var (status, pod) = await stack.CallAsync();
            Assert.Equal(StatusCode.OK, status);
            served[pod] = served.GetValueOrDefault(pod) + 1;
        }

        Assert.Equal(new Dictionary<int, int> { [2] = 20, [3] = 20, [4] = 20 }, served);
        Assert.Equal(["users-2", "users-3", "users-4"], stack.Cluster.Destinations.Select(d => d.Name));

        // GET /clusters names the pods and the source.
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        using var json = JsonDocument.Parse(await http.GetStringAsync(new Uri(stack.Proxy.Address(ListenerName.Admin), "/clusters")).DefaultTimeout());
        var cluster = json.RootElement.GetProperty("clusters")[0];
        Assert.Equal("kubernetes shop/users:grpc", cluster.GetProperty("source").GetString());
        Assert.Equal(3, cluster.GetProperty("destinations").GetArrayLength());
    }

    [Fact]
    public async Task Rollout_PodsReplacedOneByOneUnderLoad_NoCallFailsAndEachNewPodServes()
    {
        await using var stack = await KubeStack.StartAsync(output, pods: 3);
        await using var load = new RolloutLoad(stack.CallAsync, callers: 8);
        var calls = load.Calls;
        await calls.WaitForMoreAsync(200).DefaultTimeout();
        var started = Stopwatch.GetTimestamp();
        var toTraffic = new List<TimeSpan>();
        foreach (var (old, fresh) in new[] { (2, 5), (3, 6), (4, 7) })
        {
            // The new pod is created (not ready), starts, then passes its readiness probe.
            stack.SetEndpoint(fresh, Endpoint(fresh, ready: false, serving: false));
            await stack.Pods.StartAsync(fresh);
            var ready = Stopwatch.GetTimestamp();
            stack.SetEndpoint(fresh, Endpoint(fresh));
            toTraffic.Add(await load.FirstServedAsync(fresh, ready));

            // The old pod terminates: serving but not ready, its calls drain, then it leaves the slice and stops.
            var leaving = stack.Cluster.Destinations.Single(d => d.Name == $"users-{old}");
            stack.SetEndpoint(old, Endpoint(old, ready: false, serving: true, terminating: true));
            await stack.WaitForDestinationsAsync([.. stack.Destinations().Where(d => d != old)]);
            await RolloutLoad.WaitUntilAsync(() => leaving.InFlight == 0);
            stack.SetEndpoint(old, null);
            await stack.Pods.StopAsync(old);
            await calls.WaitForMoreAsync(100).DefaultTimeout();
        }

        var rollout = Stopwatch.GetElapsedTime(started);
        await calls.WaitForMoreAsync(200).DefaultTimeout();
        await load.StopAsync();

        output.WriteLine(
            $"rollout: {calls.Count} calls, {load.Failures.Count} failures, 3 pods replaced in {rollout.TotalMilliseconds:F0} ms; " +
            $"new pod first served {string.Join(" / ", toTraffic.Select(t => $"{t.TotalMilliseconds:F0} ms"))} after it turned ready");
        Assert.Empty(load.Failures);
        Assert.Equal([5, 6, 7], stack.Destinations());
        foreach (var pod in new[] { 5, 6, 7 })
        {
            Assert.True(stack.Pods[pod].Calls.TotalCalls > 0, $"pod {pod} served nothing");
        }
    }

    [Fact]
    public async Task TerminatingPod_CallInFlight_FinishesWhileNewCallsGoToItsSibling()
    {
        await using var stack = await KubeStack.StartAsync(output, pods: 2);
        var slow = stack.Cluster.Destinations.Single(d => d.Name == "users-3");
        stack.Pods[3].Faults.Add($"{GetUser}:latency=2s");

        // Round robin: of two calls, one is on the slow pod.
        var first = stack.CallAsync();
        var second = stack.CallAsync();
        await RolloutLoad.WaitUntilAsync(() => slow.InFlight == 1);

        stack.SetEndpoint(3, Endpoint(3, ready: false, serving: true, terminating: true));
        await stack.WaitForDestinationsAsync(2);
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal((StatusCode.OK, 2), await stack.CallAsync());
        }

        Assert.Equal(1, slow.InFlight);
        Assert.Equal([2, 3], new[] { await first, await second }.Select(r => r.Pod).Order());
        Assert.All(new[] { await first, await second }, r => Assert.Equal(StatusCode.OK, r.Status));
        Assert.Equal(0, slow.InFlight);
    }

    [Fact]
    public async Task DroppedWatch_Resumes_FromTheLastResourceVersionWithoutAList()
    {
        await using var stack = await KubeStack.StartAsync(output, pods: 3);
        var lists = stack.Api.Lists;
        var seen = stack.Api.ResourceVersion;
        var resumed = stack.Api.NextWatch();

        stack.Api.DropWatches();

        Assert.Equal(seen.ToString(System.Globalization.CultureInfo.InvariantCulture), await resumed.DefaultTimeout());
        stack.SetEndpoint(3, null);
        await stack.WaitForDestinationsAsync(2, 4);
        Assert.Equal(lists, stack.Api.Lists);
    }

    [Fact]
    public async Task DroppedWatch_ChangesMadeMeanwhile_ReplayedFromTheResourceVersion()
    {
        await using var stack = await KubeStack.StartAsync(output, pods: 3);
        stack.Api.Unavailable = true;
        stack.Api.DropWatches();
        await stack.WaitForUpdateAsync("error");

        // Two changes while the watch is down; the resumed watch replays both.
        stack.SetEndpoint(3, null);
        stack.SetEndpoint(4, Endpoint(4, ready: false, serving: true, terminating: true));
        var lists = stack.Api.Lists;
        stack.Api.Unavailable = false;

        await stack.WaitForDestinationsAsync(2);
        Assert.Equal(lists, stack.Api.Lists);
    }

    [Fact]
    public async Task ExpiredResourceVersion_410Gone_RelistsAndFollowsTheCurrentSlices()
    {
        await using var stack = await KubeStack.StartAsync(output, pods: 3);
        stack.Api.Unavailable = true;
        stack.Api.DropWatches();
        await stack.WaitForUpdateAsync("error");
        stack.SetEndpoint(2, null);
        stack.Api.Compact();
        var lists = stack.Api.Lists;
        var gone = stack.WaitForUpdateAsync("gone");

        stack.Api.Unavailable = false;

        await gone;
        await stack.WaitForDestinationsAsync(3, 4);
        Assert.Equal(lists + 1, stack.Api.Lists);
    }

    [Fact]
    public async Task Bookmark_MovesTheResourceVersion_ResumeStartsFromIt()
    {
        await using var stack = await KubeStack.StartAsync(output, pods: 2);

        // A change to another Service moves the collection's version without an event on this watch.
        stack.Api.Apply(Namespace, "orders", "orders-1", "grpc", stack.Pods.Port, Endpoint(9));
        var bookmark = stack.WaitForUpdateAsync("bookmark");
        var version = stack.Api.Bookmark();
        Assert.Equal(version.ToString(System.Globalization.CultureInfo.InvariantCulture), (await bookmark).ResourceVersion);

        var resumed = stack.Api.NextWatch();
        stack.Api.DropWatches();
        Assert.Equal(version.ToString(System.Globalization.CultureInfo.InvariantCulture), await resumed.DefaultTimeout());
    }

    [Fact]
    public async Task ApiServerAway_LastGoodSetKeptAndServed_ThenFollowedAgain()
    {
        await using var stack = await KubeStack.StartAsync(output, pods: 2);
        stack.Api.Unavailable = true;
        stack.Api.DropWatches();
        await stack.WaitForUpdateAsync("error");
        await stack.WaitForUpdateAsync("error");

        Assert.Equal([2, 3], stack.Destinations());
        Assert.Equal(new[] { 2, 3 }, await stack.ServedPodsAsync(10));

        await stack.Pods.StartAsync(4);
        stack.SetEndpoint(4, Endpoint(4));
        stack.Api.Unavailable = false;
        await stack.WaitForDestinationsAsync(2, 3, 4);
    }

}
