using System.Collections.Immutable;
using MeshProxy.Configuration;
using MeshProxy.TestSupport;
using MeshProxy.TrafficPolicy;
using Microsoft.Extensions.Time.Testing;
using static MeshProxy.Tests.TrafficPolicy.OutlierClusters;

namespace MeshProxy.Tests.TrafficPolicy;

/// <summary>
/// <see cref="ClusterState.ReplaceDestinations"/>, the door discovery publishes through: the rules of a reload (kept
/// destinations keep their state), the client kept, and no replacement once a reload has superseded the cluster.
/// </summary>
public sealed class DestinationSetReplacementTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void ReplaceDestinations_OneAddedOneRemoved_StayingDestinationKeepsEjectionCountersAndClient()
    {
        var cluster = Discovered("c");
        Assert.True(cluster.ReplaceDestinations([Pod(2), Pod(3)]));
        var staying = cluster.Destinations[0];
        Fail(staying, AttemptOutcome.GatewayFailure, 5);
        staying.RequestStarted();
        var client = cluster.Client;

        Assert.True(cluster.ReplaceDestinations([Pod(2), Pod(4)]));

        Assert.Same(staying, cluster.Destinations[0]);
        Assert.True(staying.Ejected);
        Assert.Equal(1, staying.InFlight);
        Assert.Equal(1, staying.TimesEjected);
        Assert.Equal("http://10.0.0.4:50051", cluster.Destinations[1].Prefix);
        Assert.Same(client, cluster.Client);

        // The new availability owns the kept destination: it returns it when its time is over.
        Assert.Equal([cluster.Destinations[1]], Picks(cluster));
        _time.Advance(TimeSpan.FromSeconds(11));
        Assert.False(staying.Ejected);
        Assert.Equal(2, Picks(cluster).Count);
    }

    [Fact]
    public void ReplaceDestinations_RemovedDestination_NoLongerPickedAndItsFailuresEjectNothing()
    {
        var cluster = Discovered("c");
        cluster.ReplaceDestinations([Pod(2), Pod(3)]);
        var removed = cluster.Destinations[1];
        removed.RequestStarted();

        cluster.ReplaceDestinations([Pod(2)]);

        Assert.DoesNotContain(removed, Picks(cluster));

        // Its in-flight call ends later and fails: the stopped availability ignores it.
        Fail(removed, AttemptOutcome.GatewayFailure, 5);
        removed.RequestEnded();
        Assert.False(removed.Ejected);
        Assert.Equal(0, removed.InFlight);
    }

    [Fact]
    public async Task NextGatewayFailure_ConnectFailureOnDiscoveredCluster_Completes()
    {
        var cluster = Discovered("c");
        cluster.ReplaceDestinations([Pod(2)]);
        var signal = cluster.NextGatewayFailure;
        Assert.False(signal.IsCompleted);

        cluster.Destinations[0].Record(AttemptOutcome.ServerError);
        Assert.False(signal.IsCompleted);
        cluster.Destinations[0].Record(AttemptOutcome.GatewayFailure);

        await signal.DefaultTimeout();
        Assert.False(cluster.NextGatewayFailure.IsCompleted);
    }

    [Fact]
    public void Apply_DiscoveredClusterPolicyChanged_SuccessorStartsFromDiscoveredSetAndOldStateRefusesReplacement()
    {
        using var registry = new ClusterRegistry(_time, TimeSpan.FromSeconds(10));
        var before = registry.Apply([DiscoveredConfig("c")])["c"];
        before.ReplaceDestinations([Pod(2), Pod(3)]);
        Fail(before.Destinations[1], AttemptOutcome.GatewayFailure, 5);

        var after = registry.Apply([DiscoveredConfig("c") with { ConnectTimeout = TimeSpan.FromSeconds(2) }])["c"];

        Assert.NotSame(before, after);
        Assert.Equal(before.Destinations, after.Destinations);
        Assert.True(after.Destinations[1].Ejected);
        Assert.False(before.ReplaceDestinations([Pod(9)]));
        Assert.Equal(2, after.Destinations.Count);
    }

    [Fact]
    public void Apply_DnsNameChanged_SuccessorStartsEmpty()
    {
        using var registry = new ClusterRegistry(_time, TimeSpan.FromSeconds(10));
        registry.Apply([DiscoveredConfig("c")])["c"].ReplaceDestinations([Pod(2)]);

        var after = registry.Apply([DiscoveredConfig("c", "other.shop.svc.cluster.local")])["c"];

        Assert.Empty(after.Destinations);
        Assert.Null(after.PickDestination());
    }

    private static DestinationConfig Pod(int octet) => new($"10.0.0.{octet}:50051", $"http://10.0.0.{octet}:50051");

    private static ClusterConfig DiscoveredConfig(string name, string host = "users.shop.svc.cluster.local") =>
        new ClusterConfig(name, new(ImmutableArray<DestinationConfig>.Empty), LoadBalancingKind.RoundRobin, TimeSpan.FromSeconds(1), Http2Config.Default)
        {
            OutlierDetection = Outlier(),
            Dns = new DnsDiscoveryConfig(host, 50051, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30)),
        };

    private ClusterState Discovered(string name)
    {
        var config = DiscoveredConfig(name);
        return new ClusterState(config, ClusterClientFactory.Create(config), time: _time);
    }
}
