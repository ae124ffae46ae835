using System.Net;
using System.Text.Json;
using Grpc.Core;
using MeshProxy.Hosting;
using MeshProxy.TestSupport;
using Microsoft.Extensions.Time.Testing;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace MeshProxy.FunctionalTests.TrafficPolicy;

/// <summary>GET /clusters over the admin socket: the live state an operator reads when traffic goes astray.</summary>
public sealed class OutlierAdminClustersTests
{
    private const string GetUser = "users.v1.UserService/GetUser";

    /// <summary>
    /// users split 90/10 between users-v1 (v1a, v1b; outlier detection) and users-v2 (v2a; gRPC health checked), and a
    /// users-pinned route (header x-pin) to users-v1 without retries, so failing calls reach one destination. Shared with
    /// the admin page's browser test, which shows the same state.
    /// </summary>
    internal static string PinnedCanaryConfig(IReadOnlyList<int> ports) => $$"""
        routes:
          - name: users
            match: { method: /users.v1.UserService/* }
            backends: [ { cluster: users-v1, weight: 90 }, { cluster: users-v2, weight: 10 } ]
          - name: users-pinned
            match:
              method: /users.v1.UserService/*
              headers: [ { name: x-pin, present: true } ]
            cluster: users-v1
            retry: { maxAttempts: 1 }
        clusters:
          users-v1:
            destinations:
              - { address: "http://127.0.0.1:{{ports[0]}}", name: v1a }
              - { address: "http://127.0.0.1:{{ports[1]}}", name: v1b }
            outlierDetection: { baseEjectionTime: 30s, panicThreshold: 0 }
          users-v2:
            destinations: [ { address: "http://127.0.0.1:{{ports[2]}}", name: v2a } ]
            healthCheck: { grpc: { }, unhealthyThreshold: 1 }
        """;

    [Fact]
    public async Task AdminClusters_EjectedAndUnhealthyHosts_ShownWithCountersAndRouteWeights()
    {
        var clock = new FakeTimeProvider();
        await using var stack = await OutlierStack.StartAsync(3, PinnedCanaryConfig,
            clock,
            backends =>
            {
                backends[1].Faults.Add($"{GetUser}:status=UNAVAILABLE");
                backends[2].Health.SetStatus(string.Empty, ServingStatus.NotServing);
            });

        // The first health round starts with the sidecar.
        await stack.RunHealthRoundAsync("users-v2", TimeSpan.Zero);
        await stack.CallManyAsync(10, new Metadata { { "x-pin", "1" } });
        clock.Advance(TimeSpan.FromSeconds(12));

        using var http = new HttpClient();
        using var response = await http.GetAsync(new Uri(stack.Proxy.Address(ListenerName.Admin), "/clusters")).DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        var clusters = json.RootElement.GetProperty("clusters");
        Assert.Equal(["users-v1", "users-v2"], clusters.EnumerateArray().Select(c => c.GetProperty("name").GetString()));
        var v1 = clusters[0].GetProperty("destinations");
        Assert.Equal("v1a", v1[0].GetProperty("name").GetString());
        Assert.Equal($"http://127.0.0.1:{stack.Backends[0].Port}", v1[0].GetProperty("address").GetString());
        Assert.False(v1[0].GetProperty("ejected").GetBoolean());
        Assert.Equal(0, v1[0].GetProperty("ejectionTimeLeftMs").GetInt64());
        Assert.True(v1[1].GetProperty("ejected").GetBoolean());
        Assert.Equal(18_000, v1[1].GetProperty("ejectionTimeLeftMs").GetInt64());
        Assert.Equal(1, v1[1].GetProperty("timesEjected").GetInt32());
        Assert.Equal(0, v1[1].GetProperty("consecutiveGatewayFailures").GetInt32());
        Assert.Equal(0, v1[1].GetProperty("inFlight").GetInt32());
        Assert.Equal("unknown", v1[1].GetProperty("health").GetString());
        Assert.Equal(1, clusters[0].GetProperty("availableDestinations").GetInt32());

        var v2a = clusters[1].GetProperty("destinations")[0];
        Assert.Equal("unhealthy", v2a.GetProperty("health").GetString());
        Assert.False(v2a.GetProperty("ejected").GetBoolean());
        Assert.True(clusters[1].GetProperty("panic").GetBoolean());

        var routes = json.RootElement.GetProperty("routes");
        Assert.Equal("users", routes[0].GetProperty("name").GetString());
        Assert.Equal(
            [("users-v1", 90), ("users-v2", 10)],
            routes[0].GetProperty("backends").EnumerateArray().Select(b => (b.GetProperty("cluster").GetString(), b.GetProperty("weight").GetInt32())));
    }

    [Fact]
    public async Task AdminClusters_NotOnOpsListenerAndOnlyGet()
    {
        await using var stack = await OutlierStack.StartAsync(1, ports => $$"""
            routes:
              - { name: users, match: { method: /users.v1.UserService/* }, cluster: users }
            clusters:
              users:
                destinations: [ { address: "http://127.0.0.1:{{ports[0]}}" } ]
            """);

        using var http = new HttpClient();
        using var ops = await http.GetAsync(new Uri(stack.Proxy.Address(ListenerName.Ops), "/clusters")).DefaultTimeout();
        using var post = await http.PostAsync(new Uri(stack.Proxy.Address(ListenerName.Admin), "/clusters"), null).DefaultTimeout();
        using var admin = await http.GetAsync(new Uri(stack.Proxy.Address(ListenerName.Admin), "/clusters")).DefaultTimeout();

        Assert.Equal(HttpStatusCode.NotFound, ops.StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
        Assert.Equal(HttpStatusCode.OK, admin.StatusCode);
    }
}
