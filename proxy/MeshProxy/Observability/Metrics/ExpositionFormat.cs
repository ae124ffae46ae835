namespace MeshProxy.Observability.Metrics;

/// <summary>The two formats a scraper may ask for.</summary>
internal enum ExpositionFormat
{
    /// <summary>Prometheus text format 0.0.4 (the default).</summary>
    Text,

    /// <summary>OpenMetrics 1.0 text, when the scraper's Accept names <c>application/openmetrics-text</c>.</summary>
    OpenMetrics,
}
