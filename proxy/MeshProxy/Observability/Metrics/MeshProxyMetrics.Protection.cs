using Prometheus;

namespace MeshProxy.Observability.Metrics;

/// <summary>
/// <c>meshproxy_http2_flood_goaways_total{listener, frame}</c>: connections the HTTP/2 flood guard closed with
/// GOAWAY(ENHANCE_YOUR_CALM), by the frame kind whose budget was passed. Created at the first trip; trips are rare,
/// so the labelled child is looked up each time.
/// </summary>
internal sealed partial class MeshProxyMetrics
{
    private Counter? _floodGoAways;

    public void RecordFloodGoAway(string listener, string frame) =>
        LazyInitializer.EnsureInitialized(ref _floodGoAways, () => Prometheus.Metrics.WithCustomRegistry(Registry).CreateCounter(
            "meshproxy_http2_flood_goaways_total",
            "HTTP/2 connections closed with GOAWAY(ENHANCE_YOUR_CALM) by the frame-flood guard, by the frame kind that passed its budget.",
            [MetricLabels.Listener, "frame"],
            new CounterConfiguration { SuppressInitialValue = true }))
            .WithLabels(listener, frame).Inc();
}
