using MeshProxy.FunctionalTests.Infrastructure;
using MeshProxy.Hosting;
using MeshProxy.TestSupport;

namespace MeshProxy.FunctionalTests.Transcoding.Oracle;

/// <summary>
/// The two REST front doors of <see cref="TranscodingOracleTests"/>: a sidecar whose REST listener transcodes the
/// builtin descriptor set onto one <see cref="OracleHost"/>'s h2c listener, and Microsoft's transcoder on a second,
/// identical host (separate stores, which every case changes alike). A third host keeps Microsoft's default JSON settings.
/// </summary>
public sealed class OracleStackFixture : IAsyncLifetime
{
    private OracleHost? _backend;
    private OracleHost? _oracle;
    private OracleHost? _oracleDefaults;
    private MeshProxyServer? _proxy;

    public XunitLoggerProvider Logs { get; } = new(output: null);

    /// <summary>MeshProxy's REST listener.</summary>
    public RestClient Ours { get; private set; } = null!;

    /// <summary>Microsoft's JSON transcoding, with int64 written as strings (ProtoJSON).</summary>
    public RestClient Theirs { get; private set; } = null!;

    /// <summary>Microsoft's JSON transcoding with its default settings.</summary>
    public RestClient TheirsDefaults { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _backend = await OracleHost.StartAsync(Logs);
        _oracle = await OracleHost.StartAsync(Logs);
        _oracleDefaults = await OracleHost.StartAsync(Logs, protoJsonInt64: false);
        TheirsDefaults = new RestClient(_oracleDefaults.RestAddress);
        _proxy = await MeshProxyServer.StartAsync(Config(_backend.GrpcPort), Logs).DefaultTimeout();
        Ours = new RestClient(_proxy.Address(ListenerName.Rest));
        Theirs = new RestClient(_oracle.RestAddress);
    }

    public async Task DisposeAsync()
    {
        Ours?.Dispose();
        Theirs?.Dispose();
        TheirsDefaults?.Dispose();
        if (_proxy is not null)
        {
            await _proxy.DisposeAsync();
        }

        foreach (var host in new[] { _backend, _oracle, _oracleDefaults })
        {
            if (host is not null)
            {
                await host.DisposeAsync();
            }
        }
    }

    // Microsoft's transcoder passes every request header on as metadata; ours only the configured prefixes, so the
    // probe's x-oracle-* echo is configured here rather than listed as a difference.
    private static string Config(int oraclePort) => $$"""
        version: "oracle"
        {{SampleStack.LoopbackListeners}}
        routes:
          - name: oracle
            match: { prefix: / }
            cluster: oracle
        clusters:
          oracle: { destinations: [ { address: "http://127.0.0.1:{{oraclePort}}" } ] }
        transcoding:
          descriptorSets: [builtin]
          forwardedHeaderPrefixes: [x-oracle-]
        """;
}

[CollectionDefinition(Name)]
public sealed class OracleStackCollection : ICollectionFixture<OracleStackFixture>
{
    public const string Name = "transcoding oracle";
}
