using MeshProxy.Grpc.Health;
using MeshProxy.TestSupport;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace MeshProxy.Grpc.Tests.Health;

public class HealthStatusRegistryTests
{
    [Fact]
    public void Registry_ServerWideEntry_StartsServing()
    {
        Assert.True(new HealthStatusRegistry().TryGet(string.Empty, out var status));
        Assert.Equal(ServingStatus.Serving, status);
    }

    [Fact]
    public async Task Watch_GetsCurrentThenEveryChangeThenUnknownAfterRemove()
    {
        var registry = new HealthStatusRegistry();
        registry.Set("svc", ServingStatus.NotServing);
        using var cts = new CancellationTokenSource();
        await using var watch = registry.WatchAsync("svc", cts.Token).GetAsyncEnumerator(cts.Token);

        Assert.True(await watch.MoveNextAsync().AsTask().DefaultTimeout());
        Assert.Equal(ServingStatus.NotServing, watch.Current);
        registry.Set("svc", ServingStatus.Serving);
        registry.Set("svc", ServingStatus.Serving); // no change, no message
        registry.Set("svc", ServingStatus.NotServing);
        Assert.True(registry.Remove("svc"));

        var seen = new List<ServingStatus>();
        for (var i = 0; i < 3; i++)
        {
            Assert.True(await watch.MoveNextAsync().AsTask().DefaultTimeout());
            seen.Add(watch.Current);
        }

        Assert.Equal([ServingStatus.Serving, ServingStatus.NotServing, ServingStatus.ServiceUnknown], seen);
    }
}
