using MeshProxy.TrafficPolicy;
using Microsoft.AspNetCore.Http;

namespace MeshProxy.Tests.TrafficPolicy;

public sealed class BackendPickerTests : IDisposable
{
    private const string UserHeader = "x-user-id";
    private readonly ClusterState _v1 = TestClusters.Create("users-v1");
    private readonly ClusterState _v2 = TestClusters.Create("users-v2");
    private readonly ClusterState _v3 = TestClusters.Create("users-v3");
    private readonly ClusterState _never = TestClusters.Create("never");

    public void Dispose()
    {
        _v1.Dispose();
        _v2.Dispose();
        _v3.Dispose();
        _never.Dispose();
    }

    [Theory]
    [InlineData(90, 10, 0)]
    [InlineData(50, 30, 20)]
    [InlineData(1, 1, 98)]
    public void Pick_100000Calls_SplitWithinOnePercentOfWeights(int w1, int w2, int w3)
    {
        var picker = new BackendPicker([(_v1, w1), (_never, 0), (_v2, w2), (_v3, w3)], new Random(20261122));
        var counts = new Dictionary<string, int>();
        const int Calls = 100_000;
        for (var i = 0; i < Calls; i++)
        {
            var name = picker.Pick().Name;
            counts[name] = counts.GetValueOrDefault(name) + 1;
        }

        var total = (double)(w1 + w2 + w3);
        Assert.False(counts.ContainsKey("never"));
        Assert.InRange(counts.GetValueOrDefault("users-v1") / (double)Calls, (w1 / total) - 0.01, (w1 / total) + 0.01);
        Assert.InRange(counts.GetValueOrDefault("users-v2") / (double)Calls, (w2 / total) - 0.01, (w2 / total) + 0.01);
        Assert.InRange(counts.GetValueOrDefault("users-v3") / (double)Calls, (w3 / total) - 0.01, (w3 / total) + 0.01);
        if (w3 == 0)
        {
            Assert.False(counts.ContainsKey("users-v3"));
        }
    }

    [Fact]
    public void Pick_HashHeader_SameUserSameBackendAcrossPickerInstances()
    {
        // Two pickers stand for two sidecar replicas (or one sidecar before and after a restart): each has its own
        // Random seeded differently, so only the stable hash can make them agree.
        var replicaA = new BackendPicker([(_v1, 90), (_v2, 10)], new Random(1), UserHeader);
        var replicaB = new BackendPicker([(_v1, 90), (_v2, 10)], new Random(2), UserHeader);
        var toV2 = 0;

        for (var i = 0; i < 20_000; i++)
        {
            var headers = Headers($"user-{i}");
            var a = replicaA.Pick(headers);
            Assert.Same(a, replicaB.Pick(headers));
            Assert.Same(a, replicaA.Pick(headers));
            toV2 += a == _v2 ? 1 : 0;
        }

        // The hash spreads users: v2's share of distinct users is close to its weight.
        Assert.InRange(toV2, 1_600, 2_400);
    }

    [Fact]
    public void Pick_RaiseCanaryFrom10To20Percent_MovesOnlyUsersInAddedBuckets()
    {
        var before = new BackendPicker([(_v1, 90), (_v2, 10)], new Random(1), UserHeader);
        var after = new BackendPicker([(_v1, 80), (_v2, 20)], new Random(1), UserHeader);
        var moved = 0;

        for (var i = 0; i < 20_000; i++)
        {
            var user = $"user-{i}";
            var bucket = StableHash.Bucket(user);
            var from = before.Pick(Headers(user));
            var to = after.Pick(Headers(user));

            // 90/10 gives v2 buckets [9000, 10000); 80/20 gives it [8000, 10000): exactly [8000, 9000) changes hands.
            var inAddedRange = bucket is >= 8_000 and < 9_000;
            Assert.Equal(inAddedRange, from != to);
            Assert.False(from == _v2 && to == _v1, $"{user} moved from v2 back to v1");
            moved += from != to ? 1 : 0;
        }

        Assert.InRange(moved, 1_600, 2_400);
    }

    [Fact]
    public void Pick_ZeroWeightBackend_OwnsNoBuckets()
    {
        var picker = new BackendPicker([(_v1, 50), (_never, 0), (_v2, 50)], new Random(1), UserHeader);

        for (var bucket = 0; bucket < StableHash.BucketCount; bucket++)
        {
            Assert.NotSame(_never, picker.PickByBucket(bucket));
        }

        Assert.Same(_v1, picker.PickByBucket(4_999));
        Assert.Same(_v2, picker.PickByBucket(5_000));
    }

    [Fact]
    public void Pick_HashHeaderMissingOrEmpty_FallsBackToWeightedRandom()
    {
        var picker = new BackendPicker([(_v1, 50), (_v2, 50)], new Random(7), UserHeader);
        var seen = new HashSet<ClusterState>();

        for (var i = 0; i < 200; i++)
        {
            seen.Add(picker.Pick(new HeaderDictionary()));
            seen.Add(picker.Pick(Headers(string.Empty)));
        }

        Assert.Equal(2, seen.Count);
    }

    [Fact]
    public void Pick_HeaderNameCaseDiffers_StillSticky()
    {
        var picker = new BackendPicker([(_v1, 50), (_v2, 50)], new Random(7), "X-User-Id");
        var expected = picker.PickByBucket(StableHash.Bucket("user-42"));

        for (var i = 0; i < 50; i++)
        {
            Assert.Same(expected, picker.Pick(Headers("user-42")));
        }
    }

    [Fact]
    public void Constructor_NoPositiveWeight_Throws() =>
        Assert.Throws<ArgumentException>(() => new BackendPicker([(_v1, 0)], new Random(1)));

    private static HeaderDictionary Headers(string user) => new() { [UserHeader] = user };
}
