using System.Text;
using MeshProxy.Configuration;
using MeshProxy.Configuration.Reload;
using MeshProxy.Routing;
using MeshProxy.TestSupport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace MeshProxy.Tests.Configuration.Reload;

public sealed class ConfigReloaderTests : IDisposable
{
    private readonly FakeTimeProvider _time = new();
    private readonly ProxySnapshotProvider _snapshots;
    private readonly CapturingLogger<ConfigReloader> _logger = new();
    private readonly ConfigReloader _reloader;

    public ConfigReloaderTests()
    {
        _snapshots = new ProxySnapshotProvider(new Random(1), _time, TimeSpan.FromSeconds(10));
        _reloader = new ConfigReloader(_snapshots, _time, _logger);
        var first = Bytes(Yaml("v1", "a"));
        _reloader.Start(ConfigReloader.Load(first).Config!, ConfigReloader.Hash(first));
    }

    /// <summary>docs/configuration.md tells operators to compare <c>reload.hash</c> with <c>xxhsum -H2 FILE</c> (the expected values are its output).</summary>
    [Theory]
    [InlineData("", "99aa06d3014798d86001c324468d497f")]
    [InlineData("version: v1\n", "452c7eb5223a5081a5ef329224c9816a")]
    public void Hash_IsXxh128InXxhsumsCanonicalHex(string content, string expected) =>
        Assert.Equal(expected, ConfigReloader.Hash(Encoding.UTF8.GetBytes(content)));

    [Fact]
    public void Reload_SameContent_IsUnchangedAndKeepsGeneration()
    {
        var outcome = _reloader.Reload(Bytes(Yaml("v1", "a")));

        Assert.Equal(ConfigReloadOutcome.Unchanged, outcome);
        Assert.Equal(1, _reloader.Status!.Generation);
    }

    [Fact]
    public async Task Reload_ValidEdit_SwapsSnapshotAndBumpsGeneration()
    {
        var before = _snapshots.Current;
        var next = _reloader.NextChange;
        _time.Advance(TimeSpan.FromSeconds(3));
        var content = Bytes(Yaml("v2", "b"));

        var outcome = _reloader.Reload(content);

        Assert.Equal(ConfigReloadOutcome.Applied, outcome);
        Assert.True(next.IsCompleted);
        var status = await next.DefaultTimeout();
        Assert.Equal(2, status.Generation);
        Assert.Equal(ConfigReloader.Hash(content), status.Hash);
        Assert.Equal(_time.GetUtcNow(), status.AppliedAt);
        Assert.Null(status.LastError);
        Assert.NotSame(before, _snapshots.Current);
        Assert.Equal("v2", _snapshots.Current!.Config.Version);
        Assert.Equal("b", _snapshots.Current.Config.Routes[0].Backends[0].Cluster);
    }

    [Fact]
    public void Reload_InvalidEdit_RefusedWithEveryErrorLoggedAndLastGoodStaysLive()
    {
        var live = _snapshots.Current;
        var content = Bytes("""
            version: bad
            routes:
              - name: r
                match: { method: /a.B/C }
                backends: [ { cluster: nowhere, weight: heavy } ]
                timeout: -1s
              - name: r
                match: { regex: "([" }
                cluster: a
            clusters:
              a:
                destinations: [ { address: "http://127.0.0.1:1" } ]
            """);

        var outcome = _reloader.Reload(content);

        Assert.Equal(ConfigReloadOutcome.Refused, outcome);
        Assert.Same(live, _snapshots.Current);
        var status = _reloader.Status!;
        Assert.Equal(1, status.Generation);
        var failure = Assert.IsType<ConfigReloadFailure>(status.LastError);
        Assert.Equal(ConfigReloader.Hash(content), failure.Hash);
        var paths = failure.Errors.Select(e => e.Path).ToHashSet();
        Assert.Contains("routes[0].backends[0].weight", paths);
        Assert.Contains("routes[0].timeout", paths);
        Assert.Contains("routes[1].match.regex", paths);
        Assert.Contains(failure.Errors, e => e.Path.StartsWith("routes[1].name", StringComparison.Ordinal));
        var logged = _logger.Entries.Where(e => e.EventName == "ConfigReloadError").Select(e => e.Message).ToArray();
        Assert.Equal(failure.Errors.Count, logged.Length);
        Assert.All(failure.Errors, e => Assert.Contains(logged, m => m.Contains(e.Path, StringComparison.Ordinal) && m.Contains(e.Message, StringComparison.Ordinal)));
    }

    [Fact]
    public void Reload_SameInvalidContentTwice_LoggedOnce()
    {
        var content = Bytes("routes: [ {");

        Assert.Equal(ConfigReloadOutcome.Refused, _reloader.Reload(content));
        Assert.Equal(ConfigReloadOutcome.Unchanged, _reloader.Reload(content));

        Assert.Single(_logger.Entries, e => e.EventName == "ConfigReloadRefused");
    }

    [Fact]
    public void Reload_ListenerPortChanged_WholeEditRefused()
    {
        var live = _snapshots.Current;
        var content = Bytes(Yaml("v2", "b", grpcPort: 7071));

        var outcome = _reloader.Reload(content);

        Assert.Equal(ConfigReloadOutcome.Refused, outcome);
        Assert.Same(live, _snapshots.Current);
        var error = Assert.Single(_reloader.Status!.LastError!.Errors);
        Assert.Equal("listeners.grpc.port", error.Path);
        Assert.StartsWith("changing a listener needs a restart", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  \n")]
    public void Reload_EmptyFile_Refused(string text)
    {
        var outcome = _reloader.Reload(Bytes(text));

        Assert.Equal(ConfigReloadOutcome.Refused, outcome);
        Assert.Equal("the config file is empty", Assert.Single(_reloader.Status!.LastError!.Errors).Message);
        Assert.Equal(ConfigLoader.Load(text).Errors, _reloader.Status.LastError.Errors);
        Assert.Equal("v1", _snapshots.Current!.Config.Version);
    }

    [Fact]
    public void Reload_FileMissing_RefusedOnceThenRecovers()
    {
        Assert.Equal(ConfigReloadOutcome.Refused, _reloader.Reload(null, "cannot read meshproxy.yaml: gone"));
        Assert.Equal(ConfigReloadOutcome.Unchanged, _reloader.Reload(null, "cannot read meshproxy.yaml: gone"));
        Assert.Null(_reloader.Status!.LastError!.Hash);

        Assert.Equal(ConfigReloadOutcome.Applied, _reloader.Reload(Bytes(Yaml("v3", "b"))));
        Assert.Null(_reloader.Status!.LastError);
        Assert.Equal(2, _reloader.Status.Generation);
    }

    [Fact]
    public void Reload_BackToLiveContentAfterRefusal_ClearsErrorWithoutNewGeneration()
    {
        var live = _snapshots.Current;
        _reloader.Reload(Bytes("version: [unclosed"));

        var outcome = _reloader.Reload(Bytes(Yaml("v1", "a")));

        Assert.Equal(ConfigReloadOutcome.Applied, outcome);
        Assert.Null(_reloader.Status!.LastError);
        Assert.Equal(1, _reloader.Status.Generation);
        Assert.Same(live, _snapshots.Current);
    }

    [Fact]
    public void Reload_LoaderErrors_AreThoseOfValidate()
    {
        // The reload path must refuse exactly what `meshproxy validate` refuses.
        const string Text = "routes:\n  - name: r\n    match: { method: nope }\n    cluster: missing\n";

        _reloader.Reload(Bytes(Text));

        Assert.Equal(ConfigLoader.Load(Text).Errors, _reloader.Status!.LastError!.Errors);
    }

    public void Dispose() => _snapshots.Dispose();

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    private static string Yaml(string version, string cluster, int grpcPort = 0) => $$"""
        version: {{version}}
        listeners:
          grpc: { address: 127.0.0.1, port: {{grpcPort}} }
        routes:
          - name: r
            match: { method: /a.B/C }
            cluster: {{cluster}}
        clusters:
          a:
            destinations: [ { address: "http://127.0.0.1:1" } ]
          b:
            destinations: [ { address: "http://127.0.0.1:2" } ]
        """;
}
