using System.Text.Json;
using MeshProxy.Configuration.Reload;
using MeshProxy.Routing;
using Microsoft.AspNetCore.Http;

namespace MeshProxy.Admin;

/// <summary>
/// The admin listener (loopback only): <c>GET /config</c> dumps the live config as JSON with its version, and under
/// <c>reload</c> its generation, content hash, when it was applied and the last refused edit (null when none).
/// </summary>
internal sealed class AdminEndpoints(ProxySnapshotProvider snapshots, ConfigReloader reloader)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var response = context.Response;
        if (context.Request.Path.Value != "/config")
        {
            response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        if (!HttpMethods.IsGet(context.Request.Method))
        {
            response.StatusCode = StatusCodes.Status405MethodNotAllowed;
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
            ConfigJsonWriter.Write(writer, snapshot.Config, reloader.Status);
            await writer.FlushAsync(context.RequestAborted).ConfigureAwait(false);
        }
    }
}
