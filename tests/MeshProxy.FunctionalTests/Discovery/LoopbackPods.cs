using Grpc.Core;
using Grpc.Net.Client;
using MeshProxy.SampleBackends;
using MeshProxy.Samples.Users.V1;
using MeshProxy.TestSupport;

namespace MeshProxy.FunctionalTests.Discovery;

/// <summary>
/// "Pods" for discovery tests: sample backends on 127.0.0.N, each its own loopback address and all on one port (a DNS
/// record or an endpoint gives an IP; the port comes from the config or the slice). Each pod's x-backend-version is
/// <c>pod-N</c>, so a reply names the pod that served it.
/// </summary>
internal sealed class LoopbackPods(XunitLoggerProvider logs) : IAsyncDisposable
{
    private readonly Dictionary<int, SampleBackendHandle> _pods = [];

    /// <summary>The port every pod listens on (chosen by the first pod).</summary>
    public int Port { get; private set; }

    public SampleBackendHandle this[int octet] => _pods[octet];

    /// <summary>Starts a pod on 127.0.0.<paramref name="octet"/>.</summary>
    public async Task<SampleBackendHandle> StartAsync(int octet)
    {
        var pod = await SampleBackend.StartAsync(
            new SampleBackendOptions { Address = $"127.0.0.{octet}", Port = Port, Version = $"pod-{octet}" },
            logs).DefaultTimeout();
        Port = pod.Port;
        _pods[octet] = pod;
        return pod;
    }

    /// <summary>Stops a pod: in-flight calls get a few seconds, then it stops listening.</summary>
    public async Task StopAsync(int octet)
    {
        if (_pods.Remove(octet, out var pod))
        {
            await pod.DisposeAsync().AsTask().DefaultTimeout();
        }
    }

    /// <summary>The pod octet of a destination address <c>http://127.0.0.N:PORT</c>.</summary>
    public static int Octet(string prefix) =>
        int.Parse(new Uri(prefix).Host.Split('.')[3], System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A cluster's destinations as pod octets, in cluster order.</summary>
    public static int[] Octets(MeshProxy.TrafficPolicy.ClusterState cluster) => [.. cluster.Destinations.Select(d => Octet(d.Prefix))];

    /// <summary>
    /// Waits (bounded) until <paramref name="cluster"/>'s destinations are exactly <paramref name="octets"/>, checking
    /// again after each discovery step (<paramref name="nextStep"/>, taken before each check so none is missed).
    /// </summary>
    public static async Task WaitForDestinationsAsync(Func<MeshProxy.TrafficPolicy.ClusterState> cluster, Func<Task> nextStep, int[] octets)
    {
        var wait = Task.Run(async () =>
        {
            while (true)
            {
                var next = nextStep();
                if (Octets(cluster()).Order().SequenceEqual(octets.Order()))
                {
                    return;
                }

                await next;
            }
        });
        await wait.DefaultTimeout();
    }

    /// <summary>One GetUser call through <paramref name="channel"/>; returns the pod that answered (its octet) or the failure status.</summary>
    public static async Task<(StatusCode Status, int Pod)> CallAsync(GrpcChannel channel)
    {
        using var call = new UserService.UserServiceClient(channel).GetUserAsync(new GetUserRequest { UserId = "u-1001" });
        try
        {
            await call.ResponseAsync.DefaultTimeout();
            var version = (await call.ResponseHeadersAsync.DefaultTimeout()).GetValue("x-backend-version") ?? "pod-0";
            return (StatusCode.OK, int.Parse(version["pod-".Length..], System.Globalization.CultureInfo.InvariantCulture));
        }
        catch (RpcException ex)
        {
            return (ex.StatusCode, 0);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var pod in _pods.Values)
        {
            await pod.DisposeAsync();
        }

        _pods.Clear();
    }
}
