using System.Text;
using MeshProxy.Observability.Metrics;
using MeshProxy.TestSupport;
using Prometheus;

namespace MeshProxy.Tests.Observability.Metrics;

/// <summary>What the ops listener would serve for a sidecar's metrics, without the listener.</summary>
internal static class MetricsScrape
{
    public static async Task<string> TextAsync(MeshProxyMetrics metrics, ExpositionFormat format = ExpositionFormat.PrometheusText)
    {
        using var output = new MemoryStream();
        await metrics.Registry.CollectAndExportAsTextAsync(output, format).DefaultTimeout();
        return Encoding.UTF8.GetString(output.ToArray());
    }
}
