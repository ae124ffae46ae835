using Grpc.Core;
using MeshProxy.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace MeshProxy.FunctionalTests.TrafficPolicy;

/// <summary>
/// Outlier ejection through a real sidecar and real sample backends with fault knobs, on a virtual clock. Calls run
/// one at a time and each waits until the sidecar recorded it, so round-robin picks are deterministic. Routes do not
/// retry (maxAttempts 1): each call is one try, and a retry's backoff would wait on the virtual clock.
/// </summary>
public sealed class OutlierEjectionTests
{
    private const string GetUser = "users.v1.UserService/GetUser";

    [Fact]
    public async Task Outlier_FiveConsecutiveUnavailable_EjectsAndCallsGoToTheOtherDestination()
    {
        await using var stack = await OutlierStack.StartAsync(2, ports => Users(ports, "panicThreshold: 0"), new FakeTimeProvider());
        stack.Backends[1].Faults.Add($"{GetUser}:status=UNAVAILABLE");

        // Round robin alternates: the 10th call is b1's 5th failure, which ejects it at once.
        await stack.CallManyAsync(10);
        Assert.Equal(5, stack.GetUserCalls(1));
        var d1 = stack.Cluster("users").Destinations[1];
        Assert.True(d1.Ejected, $"g={d1.ConsecutiveGatewayFailures} s={d1.ConsecutiveServerErrors} t={d1.TimesEjected} {string.Join('\n', stack.Logs.Errors)}");

        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(StatusCode.OK, await stack.CallAsync());
        }

        Assert.Equal(5, stack.GetUserCalls(1));
        Assert.Equal(25, stack.GetUserCalls(0));
    }

    [Fact]
    public async Task Outlier_InvalidArgumentEveryCall_NeverEjects()
    {
        await using var stack = await OutlierStack.StartAsync(2, ports => Users(ports, "consecutiveGatewayFailures: 1, consecutiveServerErrors: 1"), new FakeTimeProvider());
        stack.Backends[1].Faults.Add($"{GetUser}:status=INVALID_ARGUMENT");

        await stack.CallManyAsync(40);

        Assert.Equal(20, stack.GetUserCalls(1));
        Assert.False(stack.Cluster("users").Destinations[1].Ejected);
        Assert.Equal(0, stack.Cluster("users").Destinations[1].ConsecutiveServerErrors);
    }

    [Fact]
    public async Task Outlier_Http200WithoutGrpcStatus_CountsAsFailureAndEjects()
    {
        await using var broken = await OutlierPlainBackend.StartAsync();
        await using var stack = await OutlierStack.StartAsync(1, ports => $$"""
            routes:
              - { name: users, match: { method: /users.v1.UserService/* }, cluster: users, retry: { maxAttempts: 1 } }
            clusters:
              users:
                destinations:
                  - { address: "http://127.0.0.1:{{ports[0]}}", name: good }
                  - { address: "http://127.0.0.1:{{broken.Port}}", name: broken }
                outlierDetection: { consecutiveGatewayFailures: 0, consecutiveServerErrors: 5, panicThreshold: 0 }
            """, new FakeTimeProvider());

        await stack.CallManyAsync(10);
        Assert.Equal(5, broken.Posts);
        Assert.True(stack.Cluster("users").Destinations[1].Ejected);

        await stack.CallManyAsync(10);
        Assert.Equal(5, broken.Posts);
    }

    [Fact]
    public async Task Outlier_EjectionOver_DestinationReturnsAndReEjectionLastsTwiceAsLong()
    {
        var clock = new FakeTimeProvider();
        await using var stack = await OutlierStack.StartAsync(2, ports => Users(ports, "interval: 1s, baseEjectionTime: 10s, maxEjectionTime: 15s, panicThreshold: 0"), clock);
        var b1 = stack.Cluster("users").Destinations[1];
        stack.Backends[1].Faults.Add($"{GetUser}:status=UNAVAILABLE");
        await stack.CallManyAsync(10);
        Assert.True(b1.Ejected);

        clock.Advance(TimeSpan.FromSeconds(9));
        await stack.CallManyAsync(4);
        Assert.Equal(5, stack.GetUserCalls(1));

        // Back by itself after 10s; still failing, so 5 more failures eject it for 2 x 10s, capped at 15s.
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.False(b1.Ejected);
        await stack.CallManyAsync(10);
        Assert.Equal(10, stack.GetUserCalls(1));
        Assert.True(b1.Ejected);
        Assert.Equal(TimeSpan.FromSeconds(15), stack.Cluster("users").Availability.EjectionTimeLeft(b1));
        Assert.Equal(2, b1.TimesEjected);

        // Healed: once back it stays, and healthy intervals take the multiplier down to zero.
        stack.Backends[1].Faults.Clear();
        clock.Advance(TimeSpan.FromSeconds(15));
        await stack.CallManyAsync(10);
        Assert.Equal(15, stack.GetUserCalls(1));
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(0, b1.EjectionMultiplier);
    }

    [Fact]
    public async Task Outlier_MaxEjectionPercent34WithThreeHosts_OnlyOneOfTwoFailingHostsEjected()
    {
        await using var stack = await OutlierStack.StartAsync(3, ports => Users(ports, "maxEjectionPercent: 34, panicThreshold: 0"), new FakeTimeProvider());
        stack.Backends[1].Faults.Add($"{GetUser}:status=UNAVAILABLE");
        stack.Backends[2].Faults.Add($"{GetUser}:status=UNAVAILABLE");

        await stack.CallManyAsync(30);

        var destinations = stack.Cluster("users").Destinations;
        Assert.Equal(1, destinations.Count(d => d.Ejected));
        Assert.False(destinations[0].Ejected);

        // The failing host that stays keeps getting its share.
        var kept = destinations[1].Ejected ? 2 : 1;
        var before = stack.GetUserCalls(kept);
        await stack.CallManyAsync(10);
        Assert.Equal(before + 5, stack.GetUserCalls(kept));
    }

    [Fact]
    public async Task Outlier_PanicThreshold_TwoOfThreeEjectedSendsTrafficToAllAgain()
    {
        await using var stack = await OutlierStack.StartAsync(3, ports => Users(ports, "maxEjectionPercent: 100, panicThreshold: 50"), new FakeTimeProvider());
        stack.Backends[1].Faults.Add($"{GetUser}:status=UNAVAILABLE");
        stack.Backends[2].Faults.Add($"{GetUser}:status=UNAVAILABLE");

        // Each failing host is ejected on its 5th failure; the second ejection leaves 1 of 3 available.
        var availability = stack.Cluster("users").Availability;
        for (var i = 0; i < 30 && !availability.Panic; i++)
        {
            await stack.CallAsync();
        }

        Assert.True(availability.Panic);
        Assert.All(stack.Cluster("users").Destinations.Skip(1), d => Assert.True(d.Ejected));
        Assert.Equal(1, availability.AvailableCount);

        // 1 of 3 available is below 50%: every destination is picked, the ejected ones included.
        var before = (stack.GetUserCalls(0), stack.GetUserCalls(1), stack.GetUserCalls(2));
        await stack.CallManyAsync(9);
        Assert.Equal((before.Item1 + 3, before.Item2 + 3, before.Item3 + 3), (stack.GetUserCalls(0), stack.GetUserCalls(1), stack.GetUserCalls(2)));
    }

    [Fact]
    public async Task Outlier_CanaryHostEjected_OnlyTheCanaryClusterLosesIt()
    {
        await using var stack = await OutlierStack.StartAsync(4, ports => $$"""
            routes:
              - name: users-pinned-canary
                match:
                  method: /users.v1.UserService/*
                  headers: [ { name: x-canary, exact: always } ]
                cluster: users-v2
                retry: { maxAttempts: 1 }
              - name: users
                match: { method: /users.v1.UserService/* }
                backends: [ { cluster: users-v1, weight: 50 }, { cluster: users-v2, weight: 50 } ]
                retry: { maxAttempts: 1 }
            clusters:
              users-v1:
                destinations:
                  - { address: "http://127.0.0.1:{{ports[0]}}", name: v1a }
                  - { address: "http://127.0.0.1:{{ports[1]}}", name: v1b }
                outlierDetection: { panicThreshold: 0 }
              users-v2:
                destinations:
                  - { address: "http://127.0.0.1:{{ports[2]}}", name: v2a }
                  - { address: "http://127.0.0.1:{{ports[3]}}", name: v2b }
                outlierDetection: { panicThreshold: 0 }
            """, new FakeTimeProvider());
        stack.Backends[2].Faults.Add($"{GetUser}:status=UNAVAILABLE");

        await stack.CallManyAsync(10, new Metadata { { "x-canary", "always" } });

        var v1 = stack.Cluster("users-v1");
        var v2 = stack.Cluster("users-v2");
        Assert.True(v2.Destinations[0].Ejected);
        Assert.Equal(["v2b"], v2.Availability.PickSet.Select(d => d.Name));
        Assert.All(v1.Destinations, d => Assert.False(d.Ejected));
        Assert.Equal(["v1a", "v1b"], v1.Availability.PickSet.Select(d => d.Name));

        // The split still reaches both v1 hosts and only v2b of the canary.
        await stack.CallManyAsync(40);
        Assert.True(stack.GetUserCalls(0) > 0 && stack.GetUserCalls(1) > 0 && stack.GetUserCalls(3) > 5);
        Assert.Equal(5, stack.GetUserCalls(2));
    }

    private static string Users(IReadOnlyList<int> ports, string outlier) => $$"""
        routes:
          - { name: users, match: { method: /users.v1.UserService/* }, cluster: users, retry: { maxAttempts: 1 } }
        clusters:
          users:
            destinations:
        {{string.Join('\n', ports.Select((p, i) => $"      - {{ address: \"http://127.0.0.1:{p}\", name: b{i} }}"))}}
            outlierDetection: { {{outlier}} }
        """;
}
