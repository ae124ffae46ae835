using System.Net;
using MeshProxy.Discovery;
using Grpc.Core;
using Grpc.Net.Client;
using MeshProxy.Hosting;
using MeshProxy.Routing;
using MeshProxy.SampleBackends;
using MeshProxy.TestSupport;
using MeshProxy.TrafficPolicy;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace MeshProxy.FunctionalTests.Discovery;

/// <summary>
/// A headless Service on loopback: <see cref="LoopbackPods"/>, a <see cref="DnsResponder"/> that answers
/// <see cref="Name"/> with the published pods, and a sidecar whose cluster <c>users</c> follows that name.
/// </summary>
internal sealed class DnsStack : IAsyncDisposable
{
    public const string Name = "users.shop.svc.cluster.local";

    private readonly HashSet<int> _published = [];
    private TimeSpan _ttl;
    private MeshProxyServer? _proxy;

    private DnsStack(ITestOutputHelper output, TimeSpan ttl)
    {
        Logs = new XunitLoggerProvider(output);
        Pods = new LoopbackPods(Logs);
        _ttl = ttl;
    }

    public LoopbackPods Pods { get; }

    public XunitLoggerProvider Logs { get; }

    public DnsResponder Dns { get; } = DnsResponder.Start();

    /// <summary>The port every pod listens on.</summary>
    public int Port => Pods.Port;

    public MeshProxyServer Proxy => _proxy ?? throw new InvalidOperationException("Not started.");

    public GrpcChannel Channel { get; private set; } = null!;

    public ClusterState Cluster => Proxy.Services.GetRequiredService<ProxySnapshotProvider>().Clusters["users"];

    public DnsClusterWatcher Watcher =>
        Proxy.Services.GetRequiredService<DiscoveryService>().Watcher("users") as DnsClusterWatcher ?? throw new InvalidOperationException("no DNS watcher for users");

    public SampleBackendHandle Pod(int octet) => Pods[octet];

    /// <summary>
    /// Starts pods 127.0.0.2 .. 127.0.0.(1 + <paramref name="pods"/>), publishes them with <paramref name="ttl"/>, and
    /// a sidecar whose cluster <c>users</c> is <c>dns: NAME:PORT</c> with the given bounds plus <paramref name="cluster"/>.
    /// </summary>
    public static async Task<DnsStack> StartAsync(
        ITestOutputHelper output,
        int pods,
        TimeSpan? ttl = null,
        string minRefresh = "50ms",
        string maxRefresh = "1s",
        string cluster = "",
        string route = "")
    {
        var stack = new DnsStack(output, ttl ?? TimeSpan.Zero);
        try
        {
            for (var octet = 2; octet < 2 + pods; octet++)
            {
                await stack.StartPodAsync(octet);
                stack._published.Add(octet);
            }

            stack.PublishRecords();
            var yaml = $$"""
                listeners:
                  grpc:  { address: 127.0.0.1, port: 0 }
                  rest:  { address: 127.0.0.1, port: 0 }
                  ops:   { address: 127.0.0.1, port: 0 }
                  admin: { address: 127.0.0.1, port: 0 }
                discovery: { dnsResolver: "{{stack.Dns.Address}}", dnsTimeout: 250ms }
                routes:
                  - name: users
                    match: { method: /users.v1.UserService/* }
                    cluster: users
                {{route}}
                clusters:
                  users:
                    dns: { address: "{{Name}}:{{stack.Port}}", minRefresh: {{minRefresh}}, maxRefresh: {{maxRefresh}} }
                {{cluster}}
                """;
            stack._proxy = await MeshProxyServer.StartAsync(yaml, stack.Logs).DefaultTimeout();
            stack.Channel = GrpcChannel.ForAddress(stack.Proxy.Address(ListenerName.Grpc));
            return stack;
        }
        catch
        {
            await stack.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts a pod on 127.0.0.<paramref name="octet"/> (not yet in DNS).</summary>
    public Task<SampleBackendHandle> StartPodAsync(int octet) => Pods.StartAsync(octet);

    /// <summary>Stops a pod: in-flight calls get a few seconds, then it stops listening.</summary>
    public Task StopPodAsync(int octet) => Pods.StopAsync(octet);

    /// <summary>Adds or removes pods from the DNS answer (with the stack's TTL).</summary>
    public void Publish(int[]? add = null, int[]? remove = null, TimeSpan? ttl = null)
    {
        foreach (var octet in add ?? [])
        {
            _published.Add(octet);
        }

        foreach (var octet in remove ?? [])
        {
            _published.Remove(octet);
        }

        _ttl = ttl ?? _ttl;
        PublishRecords();
    }

    /// <summary>The cluster's destinations as pod octets, in cluster order.</summary>
    public int[] Destinations() => LoopbackPods.Octets(Cluster);

    /// <summary>Waits (bounded) until the cluster's destinations are exactly <paramref name="octets"/>.</summary>
    public Task WaitForDestinationsAsync(params int[] octets) =>
        LoopbackPods.WaitForDestinationsAsync(() => Cluster, () => Watcher.NextLookup, octets);

    /// <summary>One GetUser call; returns the pod that answered (its octet) or the failure status.</summary>
    public Task<(StatusCode Status, int Pod)> CallAsync() => LoopbackPods.CallAsync(Channel);

    public async ValueTask DisposeAsync()
    {
        Channel?.Dispose();
        if (_proxy is not null)
        {
            await _proxy.DisposeAsync();
        }

        await Pods.DisposeAsync();

        await Dns.DisposeAsync();
        Assert.True(Logs.Errors.IsEmpty, "Unexpected error logs:\n" + string.Join('\n', Logs.Errors));
    }

    private void PublishRecords() =>
        Dns.Set(Name, _ttl, [.. _published.Order().Select(o => IPAddress.Parse($"127.0.0.{o}"))]);
}
