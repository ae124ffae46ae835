using MeshProxy.Observability.Metrics;
using Microsoft.AspNetCore.Http;
using Prometheus;

namespace MeshProxy.Admin;

/// <summary>
/// The ops listener, for the kubelet: <c>/healthz/live</c> is 200 while the process serves at all;
/// <c>/healthz/ready</c> is 200 once the config is loaded and the listeners are bound, 503 before and while stopping.
/// For Prometheus: <c>/metrics</c> in text format 0.0.4, or OpenMetrics 1.0 when the scraper's Accept asks for it.
/// </summary>
internal sealed class OpsEndpoints(ReadinessState readiness, MeshProxyMetrics metrics)
{
    // prometheus-net.AspNetCore's exporter for this sidecar's registry: it negotiates the format from Accept (by
    // quality, OpenMetrics only when preferred over text) and streams the scrape. It is the last handler, so `next` is never called.
    private readonly MetricServerMiddleware _metrics = new(static _ => Task.CompletedTask, new MetricServerMiddleware.Settings { Registry = metrics.Registry });

    public Task InvokeAsync(HttpContext context)
    {
        var response = context.Response;
        response.ContentType = "text/plain";
        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
        {
            response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            return Task.CompletedTask;
        }

        switch (context.Request.Path.Value)
        {
            case "/healthz/live":
                return response.WriteAsync("live\n", context.RequestAborted);
            case "/healthz/ready" when readiness.IsReady:
                return response.WriteAsync("ready\n", context.RequestAborted);
            case "/healthz/ready":
                response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                return response.WriteAsync("not ready\n", context.RequestAborted);
            case "/metrics":
                return _metrics.Invoke(context);
            default:
                response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
        }
    }
}
