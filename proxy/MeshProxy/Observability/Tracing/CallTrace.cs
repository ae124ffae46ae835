using System.Diagnostics;
using MeshProxy.Grpc;
using MeshProxy.Security.Authorization;
using MeshProxy.TrafficPolicy;
using Microsoft.AspNetCore.Http;

namespace MeshProxy.Observability.Tracing;

/// <summary>
/// The spans of one call, as an HttpContext feature: a server span from the caller's W3C traceparent/tracestate and a
/// client span per upstream attempt, whose context is what the backend receives as its traceparent. Spans exist only
/// when something listens to <see cref="MeshProxyActivitySource"/> (the OTLP exporter) and samples them; otherwise the
/// caller's traceparent and tracestate pass through unchanged, as the forwarder copies them.
/// </summary>
internal sealed class CallTrace
{
    private Activity? _attempt;

    private CallTrace(Activity call) => Call = call;

    public Activity Call { get; }

    /// <summary>
    /// Starts the call's span when tracing is on; null (and no allocation) when nothing listens. A new trace the sampler
    /// does not record gets no span either: only the unsampled traceparent its backend would have had from one.
    /// </summary>
    public static CallTrace? Start(HttpContext context, NewTraceSampler sampler)
    {
        var source = MeshProxyActivitySource.Instance;
        if (!source.HasListeners())
        {
            return null;
        }

        var headers = context.Request.Headers;
        if (!ActivityContext.TryParse(headers.TraceParent.ToString(), headers.TraceState.ToString(), isRemote: true, out var parent)
            && !sampler.Samples())
        {
            if (sampler.IsOn)
            {
                // What the forwarder copies upstream and the access log reads, as if the caller had sent it; a tracestate
                // without a valid traceparent belongs to no trace and goes no further (a span would not carry it either).
                headers.TraceParent = TraceHeaders.NewUnsampled();
                if (headers.TraceState.Count > 0)
                {
                    headers.Remove(TraceHeaders.TraceState);
                }
            }

            return null;
        }

        var path = context.Request.Path.Value ?? string.Empty;

        // OpenTelemetry's RPC conventions name the span "package.Service/Method".
        var activity = source.StartActivity(path.Length > 1 ? path[1..] : "grpc", ActivityKind.Server, parent);
        if (activity is null)
        {
            return null;
        }

        activity.SetTag("rpc.system", "grpc");
        var trace = new CallTrace(activity);
        context.Features.Set(trace);
        return trace;
    }

    /// <summary>
    /// Once per try (<see cref="CallTraceObserver"/>): ends the previous try's span, starts this one's and sends its
    /// context upstream as traceparent (with the caller's tracestate). Does nothing when the call has no span; sends the
    /// call's context when it has one that is not recorded.
    /// </summary>
    public static void PropagateUpstream(HttpContext context, CallAttempt attempt, HttpRequestMessage upstream)
    {
        if (context.Features.Get<CallTrace>() is not { } trace)
        {
            return;
        }

        trace._attempt?.Stop();
        var call = trace.Call;

        // A call its sampler dropped (kept only to propagate its context) has every try dropped too: the parent-based
        // sampler drops the child of an unrecorded parent, and the SDK then makes no Activity. Not asking saves building
        // the span's name and running the sampler on each try of the calls that are not traced (99 % at Istio's rate);
        // the backend gets the call's own context, unsampled.
        var span = call.IsAllDataRequested
            ? MeshProxyActivitySource.Instance.StartActivity("upstream " + call.OperationName, ActivityKind.Client, call.Context)
            : null;
        trace._attempt = span;
        var sent = span ?? call;
        if (span is not null)
        {
            span.SetTag("meshproxy.cluster", attempt.Cluster.Name);
            span.SetTag("meshproxy.destination", attempt.Destination.Name);
        }

        upstream.Headers.Remove(TraceHeaders.TraceParent);
        upstream.Headers.Remove(TraceHeaders.TraceState);
        upstream.Headers.TryAddWithoutValidation(TraceHeaders.TraceParent, sent.Id);
        if (!string.IsNullOrEmpty(sent.TraceStateString))
        {
            upstream.Headers.TryAddWithoutValidation(TraceHeaders.TraceState, sent.TraceStateString);
        }
    }

    /// <summary>Ends the spans with the call's outcome.</summary>
    public void End(ProxyCall? routed, StatusCode status, string requestId, AuthenticatedCaller caller = default)
    {
        var call = Call;
        if (_attempt is { } attempt)
        {
            attempt.SetTag("rpc.grpc.status_code", (int)status);
            attempt.Stop();
        }

        if (call.IsAllDataRequested)
        {
            call.SetTag("meshproxy.route", routed?.Route.Name ?? string.Empty);
            call.SetTag("meshproxy.cluster", routed?.SplitCluster.Name ?? string.Empty);
            call.SetTag("meshproxy.destination", routed?.Destination?.Name ?? string.Empty);
            call.SetTag("meshproxy.attempts", routed?.AttemptCount ?? 0);
            call.SetTag("meshproxy.request_id", requestId);
            call.SetTag("rpc.grpc.status_code", (int)status);
            if (caller.SpiffeId is { } spiffeId)
            {
                call.SetTag("meshproxy.caller.spiffe_id", spiffeId);
            }

            if (caller.RequestPrincipal is { } principal)
            {
                call.SetTag("meshproxy.caller.request_principal", principal);
            }

            if (status != StatusCode.OK)
            {
                call.SetStatus(ActivityStatusCode.Error);
            }
        }

        call.Stop();
    }
}
