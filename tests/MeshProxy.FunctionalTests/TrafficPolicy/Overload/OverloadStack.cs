using System.Text;
using System.Text.Json;
using MeshProxy.Configuration.Reload;
using MeshProxy.FunctionalTests.Browser;
using MeshProxy.FunctionalTests.Infrastructure;
using MeshProxy.FunctionalTests.Observability;
using MeshProxy.FunctionalTests.TrafficPolicy.Retries;
using MeshProxy.Hosting;
using MeshProxy.Routing;
using MeshProxy.Samples.Users.V1;
using MeshProxy.TestSupport;
using MeshProxy.TrafficPolicy;
using MeshProxy.TrafficPolicy.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace MeshProxy.FunctionalTests.TrafficPolicy.Overload;

/// <summary>
/// A sidecar (all listeners on port 0, REST transcoding of the built-in descriptors) in front of scripted backends, for
/// circuit breakers and rate limits: raw gRPC and REST calls, the live breaker and limiter, scrapes and reloads.
/// </summary>
internal sealed class OverloadStack : IAsyncDisposable
{
    public const string Method = "/users.v1.UserService/GetUser";

    private readonly IReadOnlyList<ScriptedBackend> _backends;
    private readonly HttpClient _http = new(new SocketsHttpHandler { UseProxy = false });

    private OverloadStack(RetryStack stack, IReadOnlyList<ScriptedBackend> backends)
    {
        Stack = stack;
        _backends = backends;
    }

    public RetryStack Stack { get; }

    public MeshProxyServer Proxy => Stack.Proxy;

    public static async Task<OverloadStack> StartAsync(ITestOutputHelper output, string yaml, params ScriptedBackend[] backends)
    {
        var stack = await RetryStack.StartAsync(output, WithTranscoding(yaml), backends);
        return new OverloadStack(stack, backends);
    }

    public ClusterState Cluster(string name) => Proxy.Services.GetRequiredService<ProxySnapshotProvider>().Clusters[name];

    public RouteRateLimiter RateLimit(string route) => Proxy.Services.GetRequiredService<ProxySnapshotProvider>().RateLimits[route];

    /// <summary>One unary call with an empty message: its grpc-status and response headers.</summary>
    public async Task<GrpcResult> CallAsync(params (string Name, string Value)[] headers)
    {
        using var request = GrpcHttp.UnaryRequest(Stack.Address, Method, headers);
        using var response = await Stack.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).DefaultTimeout();
        await response.Content.ReadAsByteArrayAsync().DefaultTimeout();
        var values = response.Headers.ToDictionary(h => h.Key, h => string.Join(',', h.Value), StringComparer.OrdinalIgnoreCase);
        return new GrpcResult(GrpcHttp.Status(response), values);
    }

    /// <summary>GET /v1/users/{id} on the REST listener (GetUser's google.api.http rule).</summary>
    public async Task<HttpResponseMessage> RestGetUserAsync() =>
        await _http.GetAsync(new Uri(Proxy.Address(ListenerName.Rest), "/v1/users/u-1")).DefaultTimeout();

    /// <summary>A Connect unary call (JSON) to GetUser on the REST listener.</summary>
    public async Task<HttpResponseMessage> ConnectGetUserAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Proxy.Address(ListenerName.Rest), Method))
        {
            Content = new StringContent("{\"userId\":\"u-1\"}", Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("connect-protocol-version", "1");
        return await _http.SendAsync(request).DefaultTimeout();
    }

    /// <summary>
    /// A gRPC-Web unary call (binary, or base64 text) to GetUser on the REST listener: its HTTP response, the
    /// grpc-status a gRPC-Web client reads (the trailer frame's, else the Trailers-Only headers') and the trailer frame.
    /// </summary>
    public async Task<(HttpResponseMessage Response, string? Status, Dictionary<string, string> Trailers)> GrpcWebGetUserAsync(string contentType)
    {
        using var request = GrpcWebWire.Request(Proxy.Address(ListenerName.Rest), Method, new GetUserRequest { UserId = "u-1" }, contentType);
        var response = await _http.SendAsync(request).DefaultTimeout();
        var (messages, trailers) = await GrpcWebWire.ReadAsync(response);
        Assert.Empty(messages);
        return (response, GrpcWebWire.Status(response, trailers), trailers);
    }

    public async Task<IReadOnlyList<MetricsSample>> ScrapeUntilAsync(Func<IReadOnlyList<MetricsSample>, bool> settled) =>
        await MetricsSample.ScrapeUntilAsync(_http, Proxy.Address(ListenerName.Ops), settled);

    public async Task<JsonDocument> AdminAsync(string path) =>
        JsonDocument.Parse(await _http.GetStringAsync(new Uri(Proxy.Address(ListenerName.Admin), path)).DefaultTimeout());

    /// <summary>Applies <paramref name="yaml"/> through the reloader, as an edit of the config file would.</summary>
    public void Reload(string yaml)
    {
        foreach (var backend in _backends)
        {
            yaml = yaml.Replace($"{{{backend.Name}}}", $"http://127.0.0.1:{backend.Port}", StringComparison.Ordinal);
        }

        var content = Encoding.UTF8.GetBytes($"version: retries\n{RetryStack.Listeners}\n{WithTranscoding(yaml)}");
        Assert.Equal(ConfigReloadOutcome.Applied, Proxy.Services.GetRequiredService<ConfigReloader>().Reload(content));
    }

    /// <summary>Waits (yielding, bounded by the default timeout) until <paramref name="condition"/> holds.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition) =>
        await Task.Run(async () =>
        {
            while (!condition())
            {
                await Task.Yield();
            }
        }).DefaultTimeout();

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await Stack.DisposeAsync();
    }

    // REST transcoding of the built-in descriptors, and the browser protocols (gRPC-Web, Connect) on the REST listener.
    private static string WithTranscoding(string yaml) => yaml + "\ntranscoding: { descriptorSets: [builtin] }\nbrowser: { maxRequestBodyBytes: 65536 }\n";

    internal sealed record GrpcResult(string? Status, IReadOnlyDictionary<string, string> Headers)
    {
        public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
    }
}
