using MeshProxy.Observability.AccessLog;
using MeshProxy.Observability.Metrics;
using MeshProxy.Observability.Tracing;
using MeshProxy.Routing;
using MeshProxy.Security.Authorization;
using Microsoft.AspNetCore.Http;

namespace MeshProxy.Observability;

/// <summary>
/// Wraps the gRPC listener's endpoint: gives the call its request id and its span, installs the
/// <see cref="RoutedCall"/> feature the endpoint fills in, and when the endpoint returns (the stream has fully
/// ended) counts the call once with the grpc-status the caller got, ends the span and queues the access log line.
/// It needs nothing from the endpoint's internals, so forwarding can change freely beneath it.
/// </summary>
internal sealed class GrpcCallTelemetry(MeshProxyMetrics metrics, AccessLogWriter accessLog, TimeProvider time)
{
    public Task InvokeAsync(HttpContext context, RequestDelegate next) => InvokeAsync(context, next, respond: null);

    /// <summary>
    /// Decides whether the REST call on <paramref name="restContext"/> is access-logged and, when it is, counts its
    /// HTTP body bytes. Call before anything reads the REST request body; the inner gRPC call's telemetry then uses
    /// this decision and these counts, and counts the call as <c>protocol="rest"</c>.
    /// </summary>
    public void BeginTranscodedCall(HttpContext restContext) =>
        restContext.Features.Set(accessLog.ShouldLog() ? BodyByteCounter.Install(restContext) : BodyByteCounter.NotLogged);

    /// <summary>
    /// Runs the call; <paramref name="respond"/> (a transcoded call's REST response writing) runs after it, inside the
    /// call, so the access log line sees every byte the caller got.
    /// </summary>
    public async Task InvokeAsync(HttpContext context, RequestDelegate next, Func<Task>? respond)
    {
        // A transcoded call arrives with the REST call's byte counter, which BeginTranscodedCall set (logged or not):
        // that is what marks it as a REST call. Otherwise decide here, so that only logged calls pay for counting.
        var restBytes = context.Features.Get<BodyByteCounter>();
        var protocol = restBytes is null ? CallProtocol.Grpc : CallProtocol.Rest;
        var bytes = restBytes ?? (accessLog.ShouldLog() ? BodyByteCounter.Install(context) : BodyByteCounter.NotLogged);
        var started = time.GetTimestamp();
        var requestId = RequestId.Ensure(context.Request);
        context.Response.OnStarting(static state =>
        {
            var (response, id) = ((HttpResponse, string))state;
            // Set, not appended: a backend's own x-request-id echo must not make the header a list.
            response.Headers[RequestId.Header] = id;
            return Task.CompletedTask;
        }, (context.Response, requestId));

        var routed = new RoutedCall();
        context.Features.Set(routed);
        var trace = CallTrace.Start(context);
        metrics.RequestStarted(protocol);
        try
        {
            await next(context).ConfigureAwait(false);
            if (respond is not null)
            {
                await respond().ConfigureAwait(false);
            }
        }
        finally
        {
            var elapsed = time.GetElapsedTime(started);
            var status = GrpcCallStatus.Final(context);
            metrics.RequestEnded(protocol, routed.Route, routed.Cluster, status, elapsed);
            if (routed.Attempts > 0 && !routed.AttemptsRecorded)
            {
                // The last attempt of a retried call is timed from its own start, not the call's (earlier tries and
                // backoff are no part of it); the retry loop records every earlier attempt itself.
                var attemptElapsed = routed.AttemptStarted is { } attemptStart ? time.GetElapsedTime(attemptStart) : elapsed;
                metrics.RecordAttempt(routed.Route, routed.Cluster, routed.Destination, status, attemptElapsed);
            }

            // Who called, only when a span or a log line will carry it (reading the certificate is not free).
            var caller = trace is not null || bytes.IsLogged ? AuthenticatedCaller.Of(context) : default;
            trace?.End(routed, status, requestId, caller);
            if (bytes.IsLogged)
            {
                accessLog.Write(new AccessLogEntry(
                    time.GetUtcNow(),
                    context.Request.Path.Value ?? string.Empty,
                    routed.Route,
                    routed.Cluster,
                    routed.Destination,
                    routed.DestinationAddress,
                    (int)status,
                    context.Response.StatusCode,
                    elapsed.TotalMilliseconds,
                    routed.Attempts,
                    bytes.RequestBytes,
                    bytes.ResponseBytes,
                    requestId,
                    trace?.Call.TraceId.ToHexString() ?? TraceHeaders.TraceIdOf(context.Request.Headers[TraceHeaders.TraceParent].ToString()))
                {
                    Caller = caller.SpiffeId,
                    RequestPrincipal = caller.RequestPrincipal,
                });
            }
        }
    }
}
