using MeshProxy.TestSupport;
using MeshProxy.Tests.Configuration.Reload;
using MeshProxy.TrafficPolicy;
using Microsoft.Extensions.Time.Testing;
using static MeshProxy.Tests.TrafficPolicy.OutlierClusters;

namespace MeshProxy.Tests.TrafficPolicy;

/// <summary>Picks read one published array: with ejections and health marks in place they still allocate nothing.</summary>
public sealed class AvailabilityPickAllocationTests
{
    [Fact]
    public void PickDestination_WithEjectedAndUnhealthyHosts_AllocatesNothing()
    {
        var time = new FakeTimeProvider();
        using var cluster = Create(time, 5, Outlier(panicThreshold: 0), GrpcCheck(unhealthyThreshold: 1));
        Fail(cluster.Destinations[0], AttemptOutcome.GatewayFailure, 5);
        cluster.Availability.OnProbe(cluster.Destinations[1], "status NotServing");
        DestinationState[] tried = [cluster.Destinations[2]];
        Warm(cluster, tried);

        var before = GC.GetAllocatedBytesForCurrentThread();
        Warm(cluster, tried);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
    }

    private static void Warm(ClusterState cluster, DestinationState[] tried)
    {
        for (var i = 0; i < 1000; i++)
        {
            Assert.NotNull(cluster.PickDestination());
            Assert.NotNull(cluster.PickDestination(tried));
            cluster.Destinations[3].Record(AttemptOutcome.Success);
        }
    }
}
