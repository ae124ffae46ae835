using MeshProxy.Configuration.Reload;
using MeshProxy.FunctionalTests.Infrastructure;
using MeshProxy.FunctionalTests.Reload;
using MeshProxy.FunctionalTests.Transcoding;
using MeshProxy.Hosting;
using MeshProxy.Security.Authorization;
using MeshProxy.TestSupport;
using Xunit.Abstractions;

namespace MeshProxy.FunctionalTests.Security;

/// <summary>
/// A sidecar started from a config file (so tests edit it live) in front of two backends: the scripted transcoding
/// backend for the test service, whose Probe echoes the metadata it got, and a named backend that answers any other
/// gRPC method OK. The config directory also holds <c>jwks.json</c>, which tests write and rotate.
/// </summary>
internal sealed class AuthorizationStack : IAsyncDisposable
{
    public const string Probe = "/meshproxy.testing.v1.TranscodingTestService/Probe";

    private static readonly ConfigReloadOptions FastReload = new() { Debounce = TimeSpan.FromMilliseconds(50), PollInterval = TimeSpan.FromSeconds(1) };

    private AuthorizationStack(ScriptedBackend scripted, NamedBackend named, ReloadingSidecar sidecar)
    {
        Scripted = scripted;
        Named = named;
        Sidecar = sidecar;
        Rest = new RestClient(sidecar.Proxy.Address(ListenerName.Rest));
    }

    public ScriptedBackend Scripted { get; }

    public NamedBackend Named { get; }

    public ReloadingSidecar Sidecar { get; }

    public RestClient Rest { get; }

    public HttpClient Grpc { get; } = GrpcHttp.CreateClient();

    public JwksKeySource Keys => (JwksKeySource)Sidecar.Proxy.Services.GetService(typeof(JwksKeySource))!;

    public string JwksPath => Path.Combine(Sidecar.Directory, "jwks.json");

    /// <summary>Starts with <paramref name="sections"/> (authorization:, jwt:, ...) added to the base config and <paramref name="jwks"/> on disk.</summary>
    /// <param name="sections">Top-level sections added to the base config.</param>
    /// <param name="output">Where the sidecar logs.</param>
    /// <param name="jwks">The JWKS file's content, or null for none.</param>
    /// <param name="mtls">Also open the mTLS listener (the sections then hold <c>tls:</c>).</param>
    public static async Task<AuthorizationStack> StartAsync(string sections, ITestOutputHelper output, string? jwks = null, bool mtls = false)
    {
        var scripted = await ScriptedBackend.StartAsync().DefaultTimeout();
        var named = await NamedBackend.StartAsync("orders").DefaultTimeout();
        var yaml = Config(scripted.Port, named.Port, sections, mtls);
        var sidecar = await ReloadingSidecar.StartAsync(yaml, FastReload, output, directory =>
        {
            if (jwks is not null)
            {
                File.WriteAllText(Path.Combine(directory, "jwks.json"), jwks);
            }

            var path = Path.Combine(directory, "meshproxy.yaml");
            File.WriteAllText(path, yaml);
            return path;
        });
        return new AuthorizationStack(scripted, named, sidecar);
    }

    /// <summary>The full config for <paramref name="sections"/>, to write as a live edit.</summary>
    public string ConfigWith(string sections) => Config(Scripted.Port, Named.Port, sections, mtls: false);

    /// <summary>Replaces the JWKS file atomically (temp file + rename, as a Secret update lands).</summary>
    public void WriteJwks(string jwks)
    {
        var temp = Path.Combine(Sidecar.Directory, $".jwks.{Guid.NewGuid():N}.tmp");
        File.WriteAllText(temp, jwks);
        File.Move(temp, JwksPath, overwrite: true);
    }

    /// <summary>A unary gRPC call; returns grpc-status, grpc-message and whether the reply was Trailers-Only.</summary>
    public async Task<(string? Status, string? Message, bool TrailersOnly)> CallAsync(string method, params (string Name, string Value)[] headers)
    {
        using var request = GrpcHttp.UnaryRequest(Sidecar.GrpcAddress, method, headers);
        using var response = await Grpc.SendAsync(request).DefaultTimeout();
        var body = await response.Content.ReadAsByteArrayAsync().DefaultTimeout();
        var trailersOnly = response.Headers.Contains("grpc-status") && body.Length == 0 && !response.TrailingHeaders.Any();
        var message = response.Headers.TryGetValues("grpc-message", out var values) ? Uri.UnescapeDataString(values.Single()) : null;
        return (GrpcHttp.Status(response), message, trailersOnly);
    }

    /// <summary>GET /metrics on the ops listener, parsed.</summary>
    public async Task<IReadOnlyList<Observability.MetricsSample>> ScrapeAsync()
    {
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        var text = await http.GetStringAsync(new Uri(Sidecar.Proxy.Address(ListenerName.Ops), "/metrics")).DefaultTimeout();
        return Observability.MetricsSample.Parse(text);
    }

    public async ValueTask DisposeAsync()
    {
        Rest.Dispose();
        Grpc.Dispose();
        await Sidecar.DisposeAsync();
        await Scripted.DisposeAsync();
        await Named.DisposeAsync();
    }

    private static string Config(int scripted, int named, string sections, bool mtls) => $$"""
        {{SampleStack.LoopbackListeners}}
        {{(mtls ? "  mtls:  { address: 127.0.0.1, port: 0 }" : string.Empty)}}
        routes:
          - name: test
            match: { method: "/meshproxy.testing.v1.TranscodingTestService/*" }
            cluster: scripted
          - name: orders
            match: { prefix: / }
            cluster: orders
        clusters:
          scripted: { destinations: [ { address: "http://127.0.0.1:{{scripted}}" } ] }
          orders: { destinations: [ { address: "http://127.0.0.1:{{named}}" } ] }
        transcoding:
          descriptorSets: [builtin]
          forwardedHeaderPrefixes: [x-user-]
        {{sections}}
        """;
}
