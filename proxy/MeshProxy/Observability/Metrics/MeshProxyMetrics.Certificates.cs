using MeshProxy.Security;
using Prometheus;

namespace MeshProxy.Observability.Metrics;

/// <summary>
/// <c>meshproxy_certificate_expiry_timestamp_seconds</c>: when the workload certificate and the first CA of the trust
/// bundle expire, set at load and at every rotation. Created at the first load, so a sidecar without <c>tls:</c>
/// exports no such family. An alert on <c>meshproxy_certificate_expiry_timestamp_seconds - time() &lt; 3600</c> finds
/// a renewal that stopped.
/// </summary>
internal sealed partial class MeshProxyMetrics
{
    private Gauge? _certificateExpiry;

    /// <summary>Exports the expiry of the identity's credentials now and after each rotation; nothing without a <c>tls:</c> section.</summary>
    public void Follow(WorkloadIdentity identity)
    {
        if (identity.Current is not { } current)
        {
            return;
        }

        identity.Rotated += Observe;
        Observe(current);

        void Observe(WorkloadCredentials c) => SetCertificateExpiry(c.SpiffeId, c.NotAfter, $"spiffe://{c.TrustDomain}", c.BundleNotAfter);
    }

    // The live credentials changed: replaces both series (the SPIFFE ID may change with a rotation).
    private void SetCertificateExpiry(string spiffeId, DateTimeOffset notAfter, string trustDomainId, DateTimeOffset bundleNotAfter)
    {
        var gauge = LazyInitializer.EnsureInitialized(ref _certificateExpiry, () => Prometheus.Metrics.WithCustomRegistry(Registry).CreateGauge(
            "meshproxy_certificate_expiry_timestamp_seconds",
            "Unix time at which a certificate the sidecar uses expires: its workload certificate, and the first CA of its trust bundle.",
            [MetricLabels.Certificate, MetricLabels.SpiffeId],
            new GaugeConfiguration { SuppressInitialValue = true }));
        lock (gauge)
        {
            foreach (var labels in gauge.GetAllLabelValues().ToList())
            {
                gauge.RemoveLabelled(labels);
            }

            gauge.WithLabels("workload", spiffeId).Set(notAfter.ToUnixTimeSeconds());
            gauge.WithLabels("bundle", trustDomainId).Set(bundleNotAfter.ToUnixTimeSeconds());
        }
    }
}
