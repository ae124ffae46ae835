using BenchmarkDotNet.Attributes;
using MeshProxy.Grpc;
using MeshProxy.Observability.Metrics;
using MeshProxy.Routing;

namespace MeshProxy.Benchmarks;

/// <summary>
/// Per-call cost of the request metrics (what GrpcCallTelemetry records on every call: active up and down, the
/// outcome counter, the latency histogram and one attempt). Recording into existing series must report 0 B
/// allocated; the scrape is measured separately since it runs once per scrape interval, not per call.
/// </summary>
[MemoryDiagnoser]
public class MetricsRecordingBenchmarks : IDisposable
{
    private static readonly TimeSpan Elapsed = TimeSpan.FromMilliseconds(3.2);
    private ProxySnapshotProvider _snapshots = null!;
    private MeshProxyMetrics _metrics = null!;

    [GlobalSetup]
    public void Setup()
    {
        _snapshots = new ProxySnapshotProvider(new Random(1), TimeProvider.System, TimeSpan.FromSeconds(10));
        _metrics = new MeshProxyMetrics(_snapshots);
        RecordCall();
    }

    [Benchmark]
    public void RecordCall()
    {
        _metrics.RequestStarted("grpc");
        _metrics.RequestEnded("grpc", "users", "users-v1", StatusCode.OK, Elapsed);
        _metrics.RecordAttempt("users", "users-v1", "users-v1-a", StatusCode.OK, Elapsed);
    }

    [Benchmark]
    public int Scrape() => _metrics.Collector.Scrape(families =>
    {
        var output = new System.Text.StringBuilder(16 * 1024);
        PrometheusExposition.Write(output, families, ExpositionFormat.Text);
        return output.Length;
    });

    public void Dispose()
    {
        _metrics?.Dispose();
        _snapshots?.Dispose();
        GC.SuppressFinalize(this);
    }
}
