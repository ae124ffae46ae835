using MeshProxy.Grpc;
using MeshProxy.SampleBackends.Calls;
using MeshProxy.SampleBackends.Faults;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace MeshProxy.SampleBackends.Hosting;

/// <summary>
/// Runs before every endpoint: stamps x-backend-version on the reply, records the call and applies the fault rules
/// (latency first, then a Trailers-Only failure, or an after-messages failure handed to the streaming handler).
/// </summary>
internal sealed class SampleBackendMiddleware(
    string version,
    CallRecorder calls,
    FaultInjector faults,
    IReadOnlySet<string> streamingMethods,
    TimeProvider timeProvider,
    ILogger logger)
{
    public const string VersionHeader = "x-backend-version";

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        // OnStarting runs after the handler chose its headers, so the label also survives a Trailers-Only reply,
        // which replaces every header the response held.
        context.Response.OnStarting(static state =>
        {
            var (response, label) = ((HttpResponse, string))state;
            response.Headers[VersionHeader] = label;
            return Task.CompletedTask;
        }, (context.Response, version));

        if (!GrpcProtocol.IsGrpcContentType(context.Request.ContentType))
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        var method = context.Request.Path.Value ?? string.Empty;
        calls.Record(method, context.Request, timeProvider.GetUtcNow());
        var fault = faults.Select(method);
        if (fault is null)
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        SampleBackendLog.FaultInjected(logger, method, fault.Status, fault.AfterMessages, fault.Latency);
        if (fault.Latency > TimeSpan.Zero)
        {
            // A server honours grpc-timeout while it stalls too: a deadline shorter than the latency ends the call
            // with DEADLINE_EXCEEDED when it passes, as a slow real service would (PROTOCOL-HTTP2.md, Timeout).
            var timeout = context.Request.Headers[GrpcProtocol.TimeoutHeader].ToString();
            var wait = fault.Latency;
            var deadlineFirst = false;
            if (timeout.Length > 0 && GrpcTimeout.TryParse(timeout, out var budget) && budget < wait)
            {
                wait = budget;
                deadlineFirst = true;
            }

            try
            {
                await Task.Delay(wait, timeProvider, context.RequestAborted).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
                // The client gave up while we waited; nobody is left to answer.
                return;
            }

            if (deadlineFirst)
            {
                await TrailersOnlyResponse.WriteAsync(context.Response, StatusCode.DeadlineExceeded, "Deadline Exceeded").ConfigureAwait(false);
                return;
            }
        }

        if (fault.Status is not { } status)
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        if (fault.AfterMessages > 0 && streamingMethods.Contains(method))
        {
            context.Features.Set(new InjectedFaultFeature(fault));
            await next(context).ConfigureAwait(false);
            return;
        }

        await TrailersOnlyResponse.WriteAsync(context.Response, status, fault.EffectiveMessage).ConfigureAwait(false);
    }
}
