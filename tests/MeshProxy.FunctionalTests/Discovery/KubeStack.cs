using MeshProxy.Discovery;
using Grpc.Core;
using Grpc.Net.Client;
using MeshProxy.Hosting;
using MeshProxy.FunctionalTests.Infrastructure;
using MeshProxy.Routing;
using MeshProxy.TestSupport;
using MeshProxy.TrafficPolicy;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace MeshProxy.FunctionalTests.Discovery;

/// <summary>
/// A Service <c>shop/users</c> on loopback: <see cref="LoopbackPods"/> listed in one EndpointSlice of a
/// <see cref="FakeEndpointSliceApiServer"/>, and a sidecar (its own API client, through a kubeconfig) whose
/// cluster <c>users</c> is <c>kubernetes: { service: users, namespace: shop, port: grpc }</c>.
/// </summary>
internal sealed class KubeStack : IAsyncDisposable
{
    public const string Namespace = "shop";
    public const string Service = "users";
    public const string Slice = "users-7f9c2";

    private readonly TempPath _directory = TempPath.Directory("kube");
    private readonly Dictionary<int, FakeEndpoint> _endpoints = [];
    private MeshProxyServer? _proxy;

    private KubeStack(ITestOutputHelper output)
    {
        Logs = new XunitLoggerProvider(output);
        Pods = new LoopbackPods(Logs);
    }

    public XunitLoggerProvider Logs { get; }

    public LoopbackPods Pods { get; }

    public FakeEndpointSliceApiServer Api { get; private set; } = null!;

    public MeshProxyServer Proxy => _proxy ?? throw new InvalidOperationException("Not started.");

    public GrpcChannel Channel { get; private set; } = null!;

    public ClusterState Cluster => Proxy.Services.GetRequiredService<ProxySnapshotProvider>().Clusters[Service];

    public EndpointSliceWatcher Watcher =>
        Proxy.Services.GetRequiredService<DiscoveryService>().Watcher(Service) as EndpointSliceWatcher
        ?? throw new InvalidOperationException("no EndpointSlice watcher for users");

    /// <summary>Starts ready pods 127.0.0.2 .. 127.0.0.(1 + <paramref name="pods"/>), lists them in the slice, then the sidecar.</summary>
    /// <param name="output">The test's output, where every log goes.</param>
    /// <param name="pods">How many ready pods the slice lists.</param>
    /// <param name="cluster">More YAML under <c>clusters:</c>.</param>
    /// <param name="api">
    /// Starts the API server and writes the kubeconfig for it into the given folder; by default a cleartext server and
    /// a kubeconfig with a token (<see cref="FakeEndpointSliceApiServer.WriteKubeconfig"/>).
    /// </param>
    public static async Task<KubeStack> StartAsync(ITestOutputHelper output, int pods, string cluster = "",
        Func<string, Task<(FakeEndpointSliceApiServer Api, string Kubeconfig)>>? api = null)
    {
        var stack = new KubeStack(output);
        try
        {
            api ??= async directory =>
            {
                var server = await FakeEndpointSliceApiServer.StartAsync();
                return (server, server.WriteKubeconfig(directory, "default"));
            };
            (stack.Api, var kubeconfig) = await api(stack._directory.Path).DefaultTimeout();
            for (var octet = 2; octet < 2 + pods; octet++)
            {
                await stack.Pods.StartAsync(octet);
                stack._endpoints[octet] = Endpoint(octet);
            }

            stack.PublishSlice();
            var yaml = SidecarConfig(kubeconfig, cluster);
            // The sidecar is ready once it has listed the slice; its watch opens a moment later. Tests that bookmark
            // or drop watches need it open, or their event goes to no watch and never arrives.
            var watching = stack.Api.NextWatch();
            stack._proxy = await MeshProxyServer.StartAsync(yaml, stack.Logs).DefaultTimeout();
            stack.Channel = GrpcChannel.ForAddress(stack.Proxy.Address(ListenerName.Grpc));
            await watching.DefaultTimeout();
            return stack;
        }
        catch
        {
            await stack.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// The sidecar's config: loopback listeners, <paramref name="kubeconfig"/>, and UserService routed to cluster
    /// <c>users</c>, which follows Service <c>shop/users</c>; <paramref name="cluster"/> is more YAML under <c>clusters:</c>.
    /// </summary>
    public static string SidecarConfig(string kubeconfig, string cluster = "") => $$"""
        {{SampleStack.LoopbackListeners}}
        discovery: { kubeconfig: "{{kubeconfig}}" }
        routes:
          - name: users
            match: { method: /users.v1.UserService/* }
            cluster: users
        clusters:
          users:
            kubernetes: { service: {{Service}}, namespace: {{Namespace}}, port: grpc }
        {{cluster}}
        """;

    /// <summary>An endpoint for pod 127.0.0.<paramref name="octet"/>, named <c>users-N</c>.</summary>
    public static FakeEndpoint Endpoint(int octet, bool ready = true, bool serving = true, bool terminating = false) =>
        new($"127.0.0.{octet}", $"users-{octet}", ready, serving, terminating);

    /// <summary>Sets (or with null removes) one pod's endpoint and publishes the slice: one MODIFIED event.</summary>
    public void SetEndpoint(int octet, FakeEndpoint? endpoint)
    {
        if (endpoint is null)
        {
            _endpoints.Remove(octet);
        }
        else
        {
            _endpoints[octet] = endpoint;
        }

        PublishSlice();
    }

    /// <summary>The cluster's destinations as pod octets, in cluster order.</summary>
    public int[] Destinations() => LoopbackPods.Octets(Cluster);

    /// <summary>Waits (bounded) until the cluster's destinations are exactly <paramref name="octets"/>.</summary>
    public Task WaitForDestinationsAsync(params int[] octets) =>
        LoopbackPods.WaitForDestinationsAsync(() => Cluster, () => Watcher.NextUpdate, octets);

    /// <summary>
    /// Waits (bounded) for the watcher's next update of <paramref name="kind"/>; call it before causing the update
    /// (the first signal is taken at once).
    /// </summary>
    public Task<EndpointSliceUpdate> WaitForUpdateAsync(string kind)
    {
        var first = Watcher.NextUpdate;
        return Task.Run(async () =>
        {
            var next = first;
            while (true)
            {
                var update = await next;
                if (update.Kind == kind)
                {
                    return update;
                }

                next = Watcher.NextUpdate;
            }
        }).DefaultTimeout();
    }

    public Task<(StatusCode Status, int Pod)> CallAsync() => LoopbackPods.CallAsync(Channel);

    /// <summary>Makes <paramref name="calls"/> calls, each of which must succeed; the pods that served them, in order.</summary>
    public async Task<int[]> ServedPodsAsync(int calls)
    {
        var served = new HashSet<int>();
        for (var i = 0; i < calls; i++)
        {
            var (status, pod) = await CallAsync();
            Assert.Equal(StatusCode.OK, status);
            served.Add(pod);
        }

        return [.. served.Order()];
    }

    public async ValueTask DisposeAsync()
    {
        Channel?.Dispose();
        if (_proxy is not null)
        {
            await _proxy.DisposeAsync();
        }

        await Pods.DisposeAsync();
        if (Api is not null)
        {
            await Api.DisposeAsync();
        }

        _directory.Dispose();

        Assert.True(Logs.Errors.IsEmpty, "Unexpected error logs:\n" + string.Join('\n', Logs.Errors));
    }

    private void PublishSlice() =>
        Api.Apply(Namespace, Service, Slice, "grpc", Pods.Port, [.. _endpoints.OrderBy(e => e.Key).Select(e => e.Value)]);
}
