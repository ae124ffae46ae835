using MeshProxy.Grpc;
using MeshProxy.Observability.AccessLog;
using MeshProxy.Observability.Metrics;
using MeshProxy.Observability.Tracing;
using MeshProxy.Security.Authorization;
using MeshProxy.TrafficPolicy;
using MeshProxy.TrafficPolicy.Overload;
using Microsoft.AspNetCore.Http;

namespace MeshProxy.Observability;

/// <summary>
/// Wraps the gRPC listener's endpoint: gives the call its request id and its span, and when the endpoint returns (the
/// stream has fully ended) reads the call's <see cref="ProxyCall"/> (route, cluster, destination, every try) to count
/// the call once with the grpc-status the caller got, record each try and retry, end the span and queue the access
/// log line. It only reads the call once it is over, so forwarding can change freely beneath it and never calls it.
/// </summary>
internal sealed class GrpcCallTelemetry(MeshProxyMetrics metrics, AccessLogWriter accessLog, NewTraceSampler traces, TimeProvider time)
{
    /// <summary>Runs a call that came in as gRPC (or gRPC-Web): it has no REST byte counter to look for.</summary>
    public Task InvokeAsync(HttpContext context, Func<HttpContext, ValueTask> next) => InvokeAsync(context, next, respond: null, restBytes: null);

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
    public Task InvokeAsync(HttpContext context, Func<HttpContext, ValueTask> next, Func<Task>? respond) =>
        InvokeAsync(context, next, respond, context.Features.Get<BodyByteCounter>());

    private async Task InvokeAsync(HttpContext context, Func<HttpContext, ValueTask> next, Func<Task>? respond, BodyByteCounter? restBytes)
    {
        // A transcoded call arrives with the REST call's byte counter, which BeginTranscodedCall set (logged or not):
        // that is what marks it as a REST call. Otherwise decide here, so that only logged calls pay for counting.
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

        var trace = CallTrace.Start(context, traces);
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
            var call = context.Features.Get<ProxyCall>();
            var (route, cluster) = RefusedCall.Labels(context, call);
            metrics.RequestEnded(protocol, route, cluster, status, elapsed);
            if (call is not null)
            {
                RecordAttempts(call, status, elapsed);
            }

            // Who called, only when a span or a log line will carry it (reading the certificate is not free).
            var caller = trace is not null || bytes.IsLogged ? AuthenticatedCaller.Of(context) : default;
            trace?.End(call, status, requestId, caller);
            if (bytes.IsLogged)
            {
                accessLog.Write(new AccessLogEntry(
                    time.GetUtcNow(),
                    context.Request.Path.Value ?? string.Empty,
                    route,
                    cluster,
                    call?.Destination?.Name ?? string.Empty,
                    call?.Destination?.Prefix ?? string.Empty,
                    (int)status,
                    context.Response.StatusCode,
                    elapsed.TotalMilliseconds,
                    call?.AttemptCount ?? 0,
                    bytes.RequestBytes,
                    bytes.ResponseBytes,
                    requestId,
                    trace?.Call.TraceId.ToHexString() ?? TraceHeaders.TraceIdOf(context.Request.Headers.TraceParent.ToString()))
                {
                    Caller = caller.SpiffeId,
                    RequestPrincipal = caller.RequestPrincipal,
                });
            }
        }
    }

    /// <summary>
    /// Each try's latency, each retry and its reason, and the retry outcome, from the ended call. A try the call moved
    /// past counts with the status it failed with and its own duration; the try the caller got counts with the call's
    /// final status, timed from its own start (earlier tries and backoff are no part of it).
    /// </summary>
    private void RecordAttempts(ProxyCall call, StatusCode status, TimeSpan elapsed)
    {
        var route = call.Route.Name;
        for (var i = 0; i < call.AttemptCount; i++)
        {
            var attempt = call.Attempt(i);
            if (ReferenceEquals(attempt, call.Current))
            {
                var duration = attempt.Number == 1 ? elapsed : time.GetElapsedTime(attempt.Started);
                metrics.RecordAttempt(route, call.SplitCluster.Name, attempt.Destination.Name, status, duration);
            }
            else if (attempt.Duration is { } duration)
            {
                metrics.RecordAttempt(route, attempt.Cluster.Name, attempt.Destination.Name, attempt.Status ?? StatusCode.Unknown, duration);
            }

            if (attempt.Reason is { } reason)
            {
                metrics.RecordRetry(route, attempt.Cluster.Name, reason);
            }
        }

        if (call.RetrySucceeded)
        {
            metrics.RecordRetrySuccess(route, call.Cluster.Name);
        }

        if (call.RetryBudgetExhaustedIn is { } exhausted)
        {
            metrics.RecordRetryBudgetExhausted(route, exhausted);
        }
    }
}
