using System.Text.Json;
using MeshProxy.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace MeshProxy.Admin;

/// <summary>
/// The admin listener's drain controls (loopback only, POST only: a GET must never stop a sidecar, so a stray
/// browser tab, prefetcher or a kubelet httpGet hook cannot trigger them; anything else is 405 with <c>Allow: POST</c>).
/// <list type="bullet">
/// <item><c>POST /drain</c> starts the graceful drain (<see cref="DrainCoordinator"/>) and answers when it has ended,
/// with its outcome as JSON; the process then exits 0. Like Envoy's <c>/drain_listeners?graceful</c> followed by an
/// exit, but the caller learns how the drain went.</item>
/// <item><c>POST /quitquitquit</c> starts the same drain and answers 202 at once; the process exits when the drain ends.</item>
/// </list>
/// A request made while a drain is running joins it rather than starting another.
/// </summary>
internal sealed class DrainEndpoints(DrainCoordinator drain)
{
    public static bool Handles(PathString path) => path.Value is "/drain" or "/quitquitquit";

    public async Task InvokeAsync(HttpContext context)
    {
        var response = context.Response;
        if (!HttpMethods.IsPost(context.Request.Method))
        {
            response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            response.Headers[HeaderNames.Allow] = HttpMethods.Post;
            return;
        }

        if (context.Request.Path.Value == "/quitquitquit")
        {
            _ = drain.Start(DrainTrigger.QuitEndpoint);
            response.StatusCode = StatusCodes.Status202Accepted;
            response.ContentType = "text/plain";
            await response.WriteAsync("draining; the process exits when the drain ends\n", context.RequestAborted).ConfigureAwait(false);
            return;
        }

        // The drain goes on if this caller hangs up; only the wait for its outcome is abandoned.
        var outcome = await drain.Start(DrainTrigger.DrainEndpoint).WaitAsync(context.RequestAborted).ConfigureAwait(false);
        response.ContentType = "application/json";
        var writer = new Utf8JsonWriter(response.BodyWriter);
        await using (writer.ConfigureAwait(false))
        {
            writer.WriteStartObject();
            writer.WriteString("state", "drained");
            writer.WriteString("trigger", outcome.Trigger switch
            {
                DrainTrigger.Signal => "signal",
                DrainTrigger.DrainEndpoint => "drain",
                _ => "quitquitquit",
            });
            writer.WriteBoolean("deadlineReached", outcome.DeadlineReached);
            writer.WriteNumber("elapsedMs", (long)outcome.Elapsed.TotalMilliseconds);
            writer.WriteEndObject();
            await writer.FlushAsync(context.RequestAborted).ConfigureAwait(false);
        }
    }
}
