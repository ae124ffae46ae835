using System.Text.Json;
using MeshProxy.FunctionalTests.Observability;
using Grpc.Core;
using Grpc.Net.Client;
using MeshProxy.Hosting;
using MeshProxy.Samples.Users.V1;
using MeshProxy.TestSupport;
using MeshProxy.TrafficPolicy;
using Xunit.Abstractions;

namespace MeshProxy.FunctionalTests.Discovery;

/// <summary>
/// The canary of config/examples/canary.yaml with discovered pods: one Service per version (users-v1 with two pods,
/// users-v2 with one), each a <c>kubernetes</c> cluster, split 90/10 sticky on x-user-id. The split works unchanged,
/// and GET /clusters, <c>meshproxy_cluster_endpoints</c> and the access log name the pods.
/// </summary>
public sealed class DiscoveredCanaryTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly XunitLoggerProvider _logs = new(output);
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("meshproxy-canary-");
    private LoopbackPods _pods = null!;
    private FakeEndpointSliceApiServer _api = null!;
    private MeshProxyServer _proxy = null!;
    private GrpcChannel _channel = null!;

    private string AccessLogPath => Path.Combine(_directory.FullName, "access.log");

    public async Task InitializeAsync()
    {
        _pods = new LoopbackPods(_logs);
        _api = await FakeEndpointSliceApiServer.StartAsync().DefaultTimeout();
        foreach (var octet in new[] { 2, 3, 4 })
        {
            await _pods.StartAsync(octet);
        }

        _api.Apply("shop", "users-v1", "users-v1-x1", "grpc", _pods.Port, Pod(2, "users-v1-6d8f-a"), Pod(3, "users-v1-6d8f-b"));
        _api.Apply("shop", "users-v2", "users-v2-x1", "grpc", _pods.Port, Pod(4, "users-v2-77c4-a"));
        _proxy = await MeshProxyServer.StartAsync($$"""
            listeners:
              grpc:  { address: 127.0.0.1, port: 0 }
              rest:  { address: 127.0.0.1, port: 0 }
              ops:   { address: 127.0.0.1, port: 0 }
              admin: { address: 127.0.0.1, port: 0 }
            discovery: { kubeconfig: "{{_api.WriteKubeconfig(_directory.FullName, "shop")}}" }
            accessLog: { enabled: true, path: "{{AccessLogPath}}" }
            routes:
              - name: users
                match: { method: /users.v1.UserService/* }
                backends:
                  - { cluster: users-v1, weight: 90 }
                  - { cluster: users-v2, weight: 10 }
                hashOn: { header: x-user-id }
            clusters:
              users-v1:
                kubernetes: { service: users-v1, port: grpc }
              users-v2:
                kubernetes: { service: users-v2, port: grpc }
            """, _logs).DefaultTimeout();
        _channel = GrpcChannel.ForAddress(_proxy.Address(ListenerName.Grpc));
    }

    public async Task DisposeAsync()
    {
        _channel?.Dispose();
        if (_proxy is not null)
        {
            await _proxy.DisposeAsync();
        }

        await _pods.DisposeAsync();
        await _api.DisposeAsync();
        _directory.Delete(recursive: true);
        Assert.True(_logs.Errors.IsEmpty, "Unexpected error logs:\n" + string.Join('\n', _logs.Errors));
    }

    [Fact]
    public async Task StickySplit_DiscoveredClusters_EachUserOnItsBucketsVersionAndV1SpreadOverItsPods()
    {
        var v1Pods = new HashSet<int>();
        var versions = new HashSet<string>();
        for (var u = 0; u < 60; u++)
        {
            var user = $"user-{u}";

            // 90/10: users-v1 owns buckets [0, 9000), users-v2 owns [9000, 10000).
            var expected = StableHash.Bucket(user) < 9_000 ? "v1" : "v2";
            for (var i = 0; i < 2; i++)
            {
                var pod = await CallAsync(user);
                Assert.Equal(expected, pod == 4 ? "v2" : "v1");
                if (pod != 4)
                {
                    v1Pods.Add(pod);
                }

                versions.Add(expected);
            }
        }

        Assert.Equal(["v1", "v2"], versions.Order());
        Assert.Equal([2, 3], v1Pods.Order());
    }

    [Fact]
    public async Task DiscoveredPods_ShownByAdminClustersMetricsAndAccessLog()
    {
        var v1User = Enumerable.Range(0, 100).Select(u => $"user-{u}").First(u => StableHash.Bucket(u) < 9_000);
        var v2User = Enumerable.Range(0, 100).Select(u => $"user-{u}").First(u => StableHash.Bucket(u) >= 9_000);
        Assert.Equal(4, await CallAsync(v2User));
        await CallAsync(v1User);

        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        using var clusters = JsonDocument.Parse(await http.GetStringAsync(new Uri(_proxy.Address(ListenerName.Admin), "/clusters")).DefaultTimeout());
        var names = clusters.RootElement.GetProperty("clusters").EnumerateArray().ToDictionary(
            c => c.GetProperty("name").GetString()!,
            c => c.GetProperty("destinations").EnumerateArray().Select(d => d.GetProperty("name").GetString()!).ToArray());
        Assert.Equal(["users-v1-6d8f-a", "users-v1-6d8f-b"], names["users-v1"]);
        Assert.Equal(["users-v2-77c4-a"], names["users-v2"]);

        var samples = await MetricsSample.ScrapeUntilAsync(http, _proxy.Address(ListenerName.Ops), _ => true);
        Assert.Equal(2, MetricsSample.Sum(samples, "meshproxy_cluster_endpoints", ("cluster", "users-v1"), ("state", "active")));
        Assert.Equal(1, MetricsSample.Sum(samples, "meshproxy_cluster_endpoints", ("cluster", "users-v2"), ("state", "active")));

        // Stopping drains the access log queue into the file.
        await _proxy.DisposeAsync();
        _proxy = null!;
        var lines = (await File.ReadAllLinesAsync(AccessLogPath)).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(2, lines.Count);
        Assert.Equal("users-v2", lines[0].GetProperty("cluster").GetString());
        Assert.Equal("users-v2-77c4-a", lines[0].GetProperty("backend").GetString());
        Assert.Equal($"http://127.0.0.4:{_pods.Port}", lines[0].GetProperty("destination").GetString());
        Assert.StartsWith("users-v1-6d8f-", lines[1].GetProperty("backend").GetString(), StringComparison.Ordinal);
    }

    private static FakeEndpoint Pod(int octet, string name) => new($"127.0.0.{octet}", name);

    private async Task<int> CallAsync(string user)
    {
        using var call = new UserService.UserServiceClient(_channel).GetUserAsync(new GetUserRequest { UserId = "u-1001" }, headers: new Metadata { { "x-user-id", user } });
        await call.ResponseAsync.DefaultTimeout();
        var version = (await call.ResponseHeadersAsync.DefaultTimeout()).GetValue("x-backend-version")!;
        return int.Parse(version["pod-".Length..], System.Globalization.CultureInfo.InvariantCulture);
    }
}
