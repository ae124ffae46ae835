using MeshProxy.Admin;
using MeshProxy.Observability.Metrics;
using MeshProxy.Routing;
using Microsoft.AspNetCore.Http;

namespace MeshProxy.Tests.Admin;

public sealed class OpsEndpointsTests
{
    [Theory]
    [InlineData("/healthz/live", false, 200)]
    [InlineData("/healthz/live", true, 200)]
    [InlineData("/healthz/ready", false, 503)]
    [InlineData("/healthz/ready", true, 200)]
    [InlineData("/config", true, 404)]
    [InlineData("/metrics", false, 200)]
    public async Task Probe_Readiness_StatusCode(string path, bool ready, int expected)
    {
        var readiness = new ReadinessState();
        if (ready)
        {
            readiness.MarkReady();
        }

        var context = new DefaultHttpContext();
        context.Request.Method = "GET";
        context.Request.Path = path;
        context.Response.Body = new MemoryStream();

        using var snapshots = new ProxySnapshotProvider(Random.Shared, TimeProvider.System, TimeSpan.FromSeconds(1));
        await new OpsEndpoints(readiness, new MeshProxyMetrics(snapshots)).InvokeAsync(context);

        Assert.Equal(expected, context.Response.StatusCode);
    }

    [Theory]
    [InlineData(null, "text/plain; version=0.0.4; charset=utf-8")]
    [InlineData("text/plain;version=0.0.4", "text/plain; version=0.0.4; charset=utf-8")]
    [InlineData("application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1", "application/openmetrics-text; version=1.0.0; charset=utf-8")]
    [InlineData("application/openmetrics-text;q=0,text/plain", "text/plain; version=0.0.4; charset=utf-8")]
    [InlineData("text/plain;q=0.5,application/openmetrics-text", "application/openmetrics-text; version=1.0.0; charset=utf-8")]
    public async Task Metrics_Accept_NegotiatesFormat(string? accept, string contentType)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "GET";
        context.Request.Path = "/metrics";
        if (accept is not null)
        {
            context.Request.Headers.Accept = accept;
        }

        var body = new MemoryStream();
        context.Response.Body = body;
        using var snapshots = new ProxySnapshotProvider(Random.Shared, TimeProvider.System, TimeSpan.FromSeconds(1));

        await new OpsEndpoints(new ReadinessState(), new MeshProxyMetrics(snapshots)).InvokeAsync(context);

        Assert.Equal(200, context.Response.StatusCode);
        Assert.Equal(contentType, context.Response.ContentType);
        var text = System.Text.Encoding.UTF8.GetString(body.ToArray());
        Assert.Contains("# TYPE meshproxy_build_info gauge\n", text, StringComparison.Ordinal);
        Assert.Equal(contentType.StartsWith("application/openmetrics-text", StringComparison.Ordinal), text.EndsWith("# EOF\n", StringComparison.Ordinal));
    }
}
