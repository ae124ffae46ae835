using System.Net;
using MeshProxy.FunctionalTests.Infrastructure;
using MeshProxy.Hosting;
using MeshProxy.Routing;
using MeshProxy.TestSupport;
using MeshProxy.TrafficPolicy;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace MeshProxy.FunctionalTests.TrafficPolicy.Retries;

/// <summary>
/// One sidecar (all listeners on port 0) in front of scripted backends, built per test so each test owns its
/// counters. The YAML names backends by <c>{name}</c> placeholders, replaced with their bound addresses; an error
/// log fails the test.
/// </summary>
internal sealed class RetryStack : IAsyncDisposable
{
    public const string Listeners = Infrastructure.SampleStack.LoopbackListeners;

    private readonly XunitLoggerProvider _logs;

    private RetryStack(MeshProxyServer proxy, XunitLoggerProvider logs)
    {
        Proxy = proxy;
        _logs = logs;
        Client = new HttpClient(new SocketsHttpHandler { UseProxy = false, EnableMultipleHttp2Connections = true })
        {
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
    }

    public MeshProxyServer Proxy { get; }

    public Uri Address => Proxy.Address(ListenerName.Grpc);

    public HttpClient Client { get; }

    /// <param name="time">The sidecar's clock (slow start, ejections); null for the system's.</param>
    /// <param name="configureServices">More service registrations for the sidecar (e.g. an <c>IStartupFilter</c>).</param>
    public static async Task<RetryStack> StartAsync(ITestOutputHelper output, string yaml, IReadOnlyList<ScriptedBackend> backends, int deadPort = 0, TimeProvider? time = null, Action<IServiceCollection>? configureServices = null)
    {
        foreach (var backend in backends)
        {
            yaml = yaml.Replace($"{{{backend.Name}}}", $"http://127.0.0.1:{backend.Port}", StringComparison.Ordinal);
        }

        yaml = yaml.Replace("{dead}", $"http://127.0.0.1:{(deadPort == 0 ? LoopbackPort.Unused() : deadPort)}", StringComparison.Ordinal);
        var logs = new XunitLoggerProvider(output);
        var proxy = await MeshProxyServer.StartAsync(
            $"version: retries\n{Listeners}\n{yaml}",
            logs,
            configureServices: services =>
            {
                if (time is not null)
                {
                    services.AddSingleton(time);
                }

                configureServices?.Invoke(services);
            }).DefaultTimeout();
        return new RetryStack(proxy, logs);
    }

    public ClusterState Cluster(string name) =>
        Proxy.Services.GetRequiredService<ProxySnapshotProvider>().Current!.Routes.Match("/users.v1.UserService/GetUser", new Microsoft.AspNetCore.Http.HeaderDictionary())
            ?.Backends.Clusters.FirstOrDefault(c => c.Name == name)
        ?? throw new InvalidOperationException($"cluster {name} is not a backend of the users route");

    public DestinationState Destination(string cluster, string name) => Cluster(cluster).Destinations.Single(d => d.Name == name);

    /// <summary>
    /// Waits until no destination of the cluster counts a call in flight: the caller sees its trailers a moment before
    /// the sidecar's handler ends the call and records it. Yields, bounded by the default timeout.
    /// </summary>
    public async Task WaitForIdleAsync(string cluster)
    {
        var state = Cluster(cluster);
        await Task.Run(async () =>
        {
            while (state.Destinations.Any(d => d.InFlight != 0) || state.ActiveCalls != 0)
            {
                await Task.Yield();
            }
        }).DefaultTimeout();
    }

    /// <summary>Waits until the cluster's retry budget counts <paramref name="inFlight"/> retries (one is scheduled).</summary>
    public async Task WaitForRetryBudgetAsync(string cluster, int inFlight)
    {
        var state = Cluster(cluster);
        await Task.Run(async () =>
        {
            while (state.RetryBudget.InFlight != inFlight)
            {
                await Task.Yield();
            }
        }).DefaultTimeout();
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Proxy.DisposeAsync();
        Assert.Empty(_logs.Errors);
    }
}
