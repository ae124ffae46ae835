using MeshProxy.Observability.Metrics;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;

namespace MeshProxy.Hosting;

/// <summary>
/// Counts connections per listener with connection middleware. Our own counters rather than re-exporting Kestrel's
/// meter: Kestrel's carry endpoint addresses as tags (unbounded with ephemeral ports) and know nothing of listener
/// names, which is what an operator asks about.
/// </summary>
internal static class ConnectionTelemetry
{
    public static void Count(IConnectionBuilder listen, ListenerName name)
    {
        var metrics = listen.ApplicationServices.GetRequiredService<MeshProxyMetrics>();
        var label = name.ToString().ToLowerInvariant();
        listen.Use(next => async connection =>
        {
            metrics.ConnectionOpened(label);
            try
            {
                await next(connection).ConfigureAwait(false);
            }
            finally
            {
                metrics.ConnectionClosed(label);
            }
        });
    }
}
