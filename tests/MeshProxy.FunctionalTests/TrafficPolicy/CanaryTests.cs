using Grpc.Core;
using MeshProxy.FunctionalTests.SampleBackends;
using MeshProxy.Samples.Users.V1;
using MeshProxy.TestSupport;
using MeshProxy.TrafficPolicy;
using Microsoft.AspNetCore.Http;

namespace MeshProxy.FunctionalTests.TrafficPolicy;

/// <summary>
/// Canary splits and load balancing through a real sidecar and real sample backends. Calls run one at a time (one
/// test class, xunit runs its tests sequentially) so the seeded split and the leastRequests picks are deterministic.
/// </summary>
public sealed class CanaryTests(CanaryStackFixture stack) : IClassFixture<CanaryStackFixture>
{
    [Fact]
    public async Task WeightedSplit_400Calls_BothVersionsAnswerAndV2ShareIsAboutTenPercent()
    {
        var v2 = 0;
        const int Calls = 400;
        for (var i = 0; i < Calls; i++)
        {
            v2 += await VersionAsync(new Metadata()) == "v2" ? 1 : 0;
        }

        // 10 % of 400 is 40; the standard deviation is 6, so [20, 65] is more than 3 sigma either way. The seeded
        // Random makes the count the same on every run; the range only keeps the test independent of the seed.
        Assert.InRange(v2, 20, 65);
    }

    [Fact]
    public async Task StickySplit_SameUser_AlwaysSameVersionMatchingItsBucket()
    {
        var seen = new HashSet<string>();
        for (var u = 0; u < 60; u++)
        {
            var user = $"user-{u}";

            // 90/10: cluster v1 owns buckets [0, 9000), v2 owns [9000, 10000).
            var expected = StableHash.Bucket(user) < 9_000 ? "v1" : "v2";
            for (var i = 0; i < 3; i++)
            {
                Assert.Equal(expected, await VersionAsync(new Metadata { { "x-user-id", user } }));
            }

            seen.Add(expected);
        }

        Assert.Equal(["v1", "v2"], seen.Order());
    }

    [Fact]
    public async Task OverrideHeader_PinsEveryCallToV2EvenForAStickyV1User()
    {
        var v1User = V1User();
        for (var i = 0; i < 30; i++)
        {
            Assert.Equal("v2", await VersionAsync(new Metadata { { "x-canary", "always" }, { "x-user-id", v1User } }));
        }
    }

    [Fact]
    public async Task LeastRequests_SequentialStreams_EachEndsSoTheFirstDestinationTakesAll()
    {
        // Other tests in this class make back-to-back calls without waiting for idle, so v1b may have had some: count
        // from here.
        var before = stack.V1a.CallCount("/users.v1.UserService/ListUsers");
        var v1bBefore = stack.V1b.Calls.TotalCalls;
        for (var i = 0; i < 10; i++)
        {
            // An x-user-id in v1's buckets keeps the call on cluster v1.
            var headers = new Metadata { { "x-user-id", V1User() } };
            using var call = stack.Users.ListUsers(new ListUsersRequest(), new CallOptions(headers: headers));
            await GrpcAssert.ReadAllAsync(call.ResponseStream);
            Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
            await stack.WaitForIdleAsync("/users.v1.UserService/ListUsers", new HeaderDictionary { ["x-user-id"] = V1User() });
        }

        // A stream whose in-flight count was not released would send the next call to v1b.
        Assert.Equal(before + 10, stack.V1a.CallCount("/users.v1.UserService/ListUsers"));
        Assert.Equal(v1bBefore, stack.V1b.Calls.TotalCalls);
    }

    [Fact]
    public async Task LeastRequests_FailedCalls_ReleaseTheirCount()
    {
        // Cluster flaky lists a dead port first: with every count released, each call picks it again and fails.
        var v1bBefore = stack.V1b.Calls.TotalCalls;
        for (var i = 0; i < 5; i++)
        {
            using var call = stack.Users.GetUserAsync(new GetUserRequest { UserId = "u-1001" }, new CallOptions(headers: new Metadata { { "x-flaky", "1" } }));
            await GrpcAssert.FailsWith(StatusCode.Unavailable, () => call.ResponseAsync);
            await stack.WaitForIdleAsync("/users.v1.UserService/GetUser", new HeaderDictionary { ["x-flaky"] = "1" });
        }

        Assert.Equal(v1bBefore, stack.V1b.Calls.TotalCalls);
    }

    private static string V1User() => Enumerable.Range(0, 100).Select(i => $"user-{i}").First(u => StableHash.Bucket(u) < 9_000);

    private async Task<string?> VersionAsync(Metadata headers)
    {
        using var call = stack.Users.GetUserAsync(new GetUserRequest { UserId = "u-1001" }, new CallOptions(headers: headers));
        await call.ResponseAsync.DefaultTimeout();
        return (await call.ResponseHeadersAsync.DefaultTimeout()).GetValue("x-backend-version");
    }
}
