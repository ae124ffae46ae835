using System.Text.Json;
using MeshProxy.Grpc;
using Microsoft.AspNetCore.Http;

namespace MeshProxy.Hosting;

/// <summary>
/// The REST listener until transcoding lands: every request is 404 with a JSON google.rpc.Status body
/// (code 5 = NOT_FOUND), the error shape REST callers will get from the transcoder too.
/// </summary>
internal static class RestPlaceholderEndpoint
{
    public static async Task InvokeAsync(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        context.Response.ContentType = "application/json";
        var writer = new Utf8JsonWriter(context.Response.BodyWriter);
        await using (writer.ConfigureAwait(false))
        {
            writer.WriteStartObject();
            writer.WriteNumber("code", (int)StatusCode.NotFound);
            writer.WriteString("message", $"no REST route for {context.Request.Method} {context.Request.Path}");
            writer.WriteStartArray("details");
            writer.WriteEndArray();
            writer.WriteEndObject();
            await writer.FlushAsync(context.RequestAborted).ConfigureAwait(false);
        }
    }
}
