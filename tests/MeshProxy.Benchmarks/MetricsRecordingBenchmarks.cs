using System.Text;
using BenchmarkDotNet.Attributes;
using MeshProxy.Configuration.Reload;
using MeshProxy.Grpc;
using MeshProxy.Observability.Metrics;
using MeshProxy.Routing;

namespace MeshProxy.Benchmarks;

/// <summary>
/// Per-call cost of the request metrics (what GrpcCallTelemetry records on every call: active up and down, the
/// outcome counter, the latency histogram and one attempt), for a route, cluster and destination of the live config,
/// as a real call has. Recording into existing series must report 0 B allocated; the scrape is measured separately
/// since it runs once per scrape interval, not per call.
/// </summary>
[MemoryDiagnoser]
public class MetricsRecordingBenchmarks : IDisposable
{
    private const string Config = """
        routes:
          - name: users
            match: { method: /users.v1.UserService/* }
            cluster: users-v1
        clusters:
          users-v1: { destinations: [ { name: users-v1-a, address: "http://127.0.0.1:1" } ] }
        """;

    private static readonly TimeSpan Elapsed = TimeSpan.FromMilliseconds(3.2);
    private ProxySnapshotProvider _snapshots = null!;
    private MeshProxyMetrics _metrics = null!;
    private MemoryStream _scrape = null!;

    [GlobalSetup]
    public void Setup()
    {
        _snapshots = new ProxySnapshotProvider(new Random(1), TimeProvider.System, TimeSpan.FromSeconds(10));
        _snapshots.Apply(ConfigReloader.Load(Encoding.UTF8.GetBytes(Config)).Config!);
        _metrics = new MeshProxyMetrics(_snapshots);
        _scrape = new MemoryStream(64 * 1024);
        RecordCall();
    }

    [Benchmark]
    public void RecordCall()
    {
        _metrics.RequestStarted(CallProtocol.Grpc);
        _metrics.RequestEnded(CallProtocol.Grpc, "users", "users-v1", StatusCode.OK, Elapsed);
        _metrics.RecordAttempt("users", "users-v1", "users-v1-a", StatusCode.OK, Elapsed);
    }

    [Benchmark]
    public long Scrape()
    {
        _scrape.SetLength(0);
        _metrics.Registry.CollectAndExportAsTextAsync(_scrape).GetAwaiter().GetResult();
        return _scrape.Length;
    }

    public void Dispose()
    {
        _scrape?.Dispose();
        _snapshots?.Dispose();
        GC.SuppressFinalize(this);
    }
}
