using System.Text.Json;
using MeshProxy.Configuration.Reload;
using MeshProxy.Routing;
using Microsoft.AspNetCore.Http;

namespace MeshProxy.Admin;

/// <summary>
/// The admin listener (loopback only): <c>GET /</c> is the admin page (<see cref="AdminPage"/>); <c>GET /config</c> dumps the live config as JSON with its version, and under
/// <c>reload</c> its generation, content hash, when it was applied and the last refused edit (null when none);
/// <c>GET /clusters</c> shows every live cluster's destinations with their health, ejections and counters, and each
/// route's backend weights (<see cref="ClustersJsonWriter"/>). Never on the ops listener: it names every upstream.
/// </summary>
internal sealed class AdminEndpoints(ProxySnapshotProvider snapshots, ConfigReloader reloader)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var response = context.Response;
        var path = context.Request.Path.Value;
        if (path is not ("/" or "/config" or "/clusters"))
        {
            response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        if (!HttpMethods.IsGet(context.Request.Method))
        {
            response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            response.Headers.Allow = HttpMethods.Get;
            return;
        }

        if (path == "/")
        {
            await AdminPage.WriteAsync(context).ConfigureAwait(false);
            return;
        }

        if (snapshots.Current is not { } snapshot)
        {
            response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return;
        }

        response.ContentType = "application/json";
        var writer = new Utf8JsonWriter(response.BodyWriter, new JsonWriterOptions { Indented = true });
        await using (writer.ConfigureAwait(false))
        {
            if (path == "/config")
            {
                // One read: the status carries the config it describes (a reload may swap both at any moment).
                var status = reloader.Status;
                ConfigJsonWriter.Write(writer, status?.Config ?? snapshot.Config, status);
            }
            else
            {
                ClustersJsonWriter.Write(writer, snapshot.Config, snapshots.Clusters, snapshots.RateLimits);
            }

            await writer.FlushAsync(context.RequestAborted).ConfigureAwait(false);
        }
    }
}
