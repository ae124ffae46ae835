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
        using var metrics = new MeshProxyMetrics(snapshots);
        await new OpsEndpoints(readiness, metrics).InvokeAsync(context);

        Assert.Equal(expected, context.Response.StatusCode);
    }
}
