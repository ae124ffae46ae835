using MeshProxy.Configuration;
using MeshProxy.TrafficPolicy;

namespace MeshProxy.Tests.TrafficPolicy;

public sealed class LoadBalancingPolicyTests
{
    [Fact]
    public void LeastRequests_PicksTheLeastLoaded()
    {
        var destinations = Destinations(load: [3, 1, 2]);
        var picker = new LeastRequestsPicker();

        Assert.Equal("d1", picker.Pick(destinations)!.Name);

        destinations[1].RequestStarted();
        destinations[1].RequestStarted();
        Assert.Equal("d2", picker.Pick(destinations)!.Name);
    }

    [Fact]
    public void LeastRequests_Tie_PicksFirstInConfigOrder() =>
        Assert.Equal("d1", new LeastRequestsPicker().Pick(Destinations(load: [4, 2, 2]))!.Name);

    [Fact]
    public void LeastRequests_NoDestination_ReturnsNull() => Assert.Null(new LeastRequestsPicker().Pick([]));

    [Fact]
    public void PowerOfTwoChoices_NeverPicksTheMostLoaded()
    {
        // Each pick compares two distinct destinations, so the most loaded of all can never win; the others all can.
        var destinations = Destinations(load: [5, 0, 9, 1]);
        var picker = new PowerOfTwoChoicesPicker(new Random(11));
        var counts = new Dictionary<string, int>();

        for (var i = 0; i < 2_000; i++)
        {
            var name = picker.Pick(destinations)!.Name;
            counts[name] = counts.GetValueOrDefault(name) + 1;
        }

        Assert.False(counts.ContainsKey("d2"));
        Assert.Equal(["d0", "d1", "d3"], counts.Keys.Order());

        // d1 (idle) wins every pair it is drawn in: half of all pairs contain it.
        Assert.True(counts["d1"] > counts["d3"] && counts["d3"] > counts["d0"], string.Join(", ", counts));
    }

    [Fact]
    public void PowerOfTwoChoices_TwoDestinations_AlwaysTheLessLoaded()
    {
        var destinations = Destinations(load: [2, 1]);
        var picker = new PowerOfTwoChoicesPicker(new Random(3));

        for (var i = 0; i < 100; i++)
        {
            Assert.Equal("d1", picker.Pick(destinations)!.Name);
        }
    }

    [Fact]
    public void PowerOfTwoChoices_OneOrNoDestination_NeedsNoChoice()
    {
        var picker = new PowerOfTwoChoicesPicker(new Random(3));
        Assert.Null(picker.Pick([]));
        Assert.Equal("d0", picker.Pick(Destinations(load: [7]))!.Name);
    }

    [Fact]
    public void RoundRobin_LoadWithinTheSkewAllowance_CyclesEvenly()
    {
        // One call more than its peers is what the rotation itself leaves; the order is kept (PickerTests has the rest).
        var destinations = Destinations(load: [RoundRobinPicker.InFlightSkew - 1, 0, 0]);
        var picker = new RoundRobinPicker();

        var picks = Enumerable.Range(0, 6).Select(_ => picker.Pick(destinations)!.Name);

        Assert.Equal(["d0", "d1", "d2", "d0", "d1", "d2"], picks);
    }

    [Fact]
    public void DestinationState_StartedAndEnded_CountsInFlightAcrossThreads()
    {
        var destination = new DestinationState("d", "http://d");

        Parallel.For(0, 10_000, _ => destination.RequestStarted());
        Assert.Equal(10_000, destination.InFlight);
        Parallel.For(0, 10_000, _ => destination.RequestEnded());
        Assert.Equal(0, destination.InFlight);
    }

    [Theory]
    [InlineData(nameof(LoadBalancingKind.RoundRobin))]
    [InlineData(nameof(LoadBalancingKind.LeastRequests))]
    [InlineData(nameof(LoadBalancingKind.PowerOfTwoChoices))]
    public void ClusterState_Policy_PicksAccordingly(string policy)
    {
        var kind = Enum.Parse<LoadBalancingKind>(policy);

        // Load d0 heavily: least requests and P2C (with two destinations) must avoid it; round robin must not.
        using var cluster = TestClusters.Create("c", kind, new Random(5), destinations: 2);
        cluster.Destinations[0].RequestStarted();

        var picks = Enumerable.Range(0, 4).Select(_ => cluster.PickDestination()!.Name).ToArray();

        var expected = kind == LoadBalancingKind.RoundRobin ? new[] { "c-0", "c-1", "c-0", "c-1" } : ["c-1", "c-1", "c-1", "c-1"];
        Assert.Equal(expected, picks);
    }

    [Fact]
    public void ClusterState_RetryPick_PrefersDestinationsNotYetTried()
    {
        using var cluster = TestClusters.Create("c", LoadBalancingKind.RoundRobin, new Random(5), destinations: 3);
        var first = cluster.PickDestination()!;

        // Round robin would give c-1 next; with c-1 tried too, the only untried destination is c-2.
        var tried = new List<DestinationState> { first, cluster.Destinations[1] };
        Assert.Equal("c-2", cluster.PickDestination(tried)!.Name);

        // Everything tried: the policy's choice stands (a retry still beats failing the call).
        tried.Add(cluster.Destinations[2]);
        Assert.NotNull(cluster.PickDestination(tried));
    }

    private static DestinationState[] Destinations(int[] load)
    {
        var destinations = new DestinationState[load.Length];
        for (var i = 0; i < load.Length; i++)
        {
            destinations[i] = new DestinationState($"d{i}", $"http://d{i}");
            for (var n = 0; n < load[i]; n++)
            {
                destinations[i].RequestStarted();
            }
        }

        return destinations;
    }
}
