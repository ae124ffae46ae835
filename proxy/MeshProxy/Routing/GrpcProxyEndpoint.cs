using System.Runtime.CompilerServices;
using MeshProxy.Grpc;
using MeshProxy.Observability;
using MeshProxy.Protection;
using MeshProxy.Security.Authorization;
using MeshProxy.TrafficPolicy;
using MeshProxy.TrafficPolicy.Overload;
using MeshProxy.TrafficPolicy.Retries;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;

namespace MeshProxy.Routing;

/// <summary>
/// The request handler of the gRPC listener: route the call by :path and headers, start its <see cref="ProxyCall"/>
/// (cluster, destination, deadline), forward it (<see cref="IHttpForwarder"/>: our <c>CallForwarder</c>), and turn
/// every failure decided before the response started into a gRPC status (gRPC callers always get gRPC answers).
/// Retries and hedging run below, in the cluster's <see cref="RetryHandler"/>; telemetry reads the call after this
/// returns.
/// </summary>
internal sealed class GrpcProxyEndpoint
{
    private readonly ProxySnapshotProvider _snapshots;
    private readonly IHttpForwarder _forwarder;
    private readonly CallServices _services;
    private readonly IdempotentMethods _idempotent;
    private readonly ILogger _logger;
    private readonly CallAuthorizer? _authorization;
    private readonly CallerCommitGate _commit;
    private readonly OverloadGate _overload;

    public GrpcProxyEndpoint(ProxySnapshotProvider snapshots, IHttpForwarder forwarder, CallServices services, IdempotentMethods idempotent, ILogger<GrpcProxyEndpoint> logger, CallerCommitGate commit, OverloadGate overload, CallAuthorizer? authorization = null)
    {
        _overload = overload;
        _commit = commit;
        _authorization = authorization;
        _snapshots = snapshots;
        _forwarder = forwarder;
        _services = services;
        _idempotent = idempotent;
        _logger = logger;
    }

    /// <summary>
    /// Handles one call. Awaited once, by the call's telemetry, so its state machine comes from the runtime's pool rather
    /// than being allocated per call (a request delegate's Task could not be pooled).
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask InvokeAsync(HttpContext context)
    {
        // 1. Only gRPC on this listener (PROTOCOL-HTTP2.md: POST with content-type application/grpc*).
        if (!Accepts(context))
        {
            return;
        }

        // 2. Route on one snapshot, read once.
        if (await RouteAsync(context).ConfigureAwait(false) is not { } route)
        {
            return;
        }

        // 2b. A stream reset before its request is complete starts no upstream call (HTTP/2 rapid reset; CallerCommitGate).
        if (!await _commit.WaitAsync(context).ConfigureAwait(false))
        {
            return;
        }

        // 2c. The deadline starts: one cancellation source and one timer for the whole call, read by every stage below.
        using var deadline = CallDeadline.Start(Deadline(context.Request, route), _services.Time);

        // 2d. Overload (TrafficPolicy/Overload): the route's local rate limit, then a request slot of the cluster the
        //     split picked (its circuit breaker), waiting in its pending queue within the deadline. A refusal is answered
        //     there and reaches no backend.
        var cluster = route.Policy.Backends.Pick(context.Request.Headers);
        if (await _overload.AdmitAsync(context, route.Policy, cluster, deadline).ConfigureAwait(false) is not { } admission)
        {
            return;
        }

        // 3. The call: destination (the cluster's load balancing) picked, the first try counted in flight until the
        //    call has fully ended, the deadline held.
        var path = context.Request.Path.Value ?? string.Empty;
        var call = ProxyCall.Start(context, route.Policy, _idempotent.Contains(path), deadline, _services, cluster, admission.Slot);
        try
        {
            if (call.Destination is null)
            {
                RoutingLog.NoDestination(_logger, route.Name, call.Cluster.Name);
                await TrailersOnlyResponse.WriteAsync(context.Response, StatusCode.Unavailable, $"no destination in cluster {call.Cluster.Name}").ConfigureAwait(false);
                return;
            }

            // 4. Forward under the deadline; the cluster's handler sends, retries or hedges the tries.
            var error = await ForwardAsync(context, route, call).ConfigureAwait(false);

            // 5. The try the caller got tells outlier detection about its destination, once; a failure before the
            //    response started becomes a gRPC status.
            Record(context, call, error);
            if (error != ForwarderError.None)
            {
                await ReportAsync(context, route, call, error).ConfigureAwait(false);
            }
        }
        finally
        {
            call.End();
        }
    }

    /// <summary>Anything but a gRPC call gets a plain HTTP status rather than a grpc-status it would not read.</summary>
    private bool Accepts(HttpContext context)
    {
        var request = context.Request;
        if (!GrpcProtocol.IsGrpcContentType(request.ContentType))
        {
            RoutingLog.NotGrpc(_logger, request.Method, request.Path.Value ?? string.Empty, request.ContentType);
            context.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            return false;
        }

        if (!HttpMethods.IsPost(request.Method))
        {
            RoutingLog.NotGrpc(_logger, request.Method, request.Path.Value ?? string.Empty, request.ContentType);
            context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            context.Response.Headers.Allow = HttpMethods.Post;
            return false;
        }

        return true;
    }

    /// <summary>The route of the call, or null once UNAVAILABLE (no config yet) or UNIMPLEMENTED (no route) is written.</summary>
    private async ValueTask<Route?> RouteAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? string.Empty;
        if (_snapshots.Current is not { } snapshot)
        {
            await TrailersOnlyResponse.WriteAsync(context.Response, StatusCode.Unavailable, "the proxy has no configuration yet").ConfigureAwait(false);
            return null;
        }

        // Authorization policies, before routing: a refused caller learns nothing about routes (PERMISSION_DENIED).
        if (_authorization is not null && !await _authorization.AuthorizeAsync(context, snapshot).ConfigureAwait(false))
        {
            return null;
        }

        if (snapshot.Routes.Match(path, context.Request.Headers) is not { } route)
        {
            RoutingLog.NoRoute(_logger, path);
            await TrailersOnlyResponse.WriteAsync(context.Response, StatusCode.Unimplemented, $"no route for {path}").ConfigureAwait(false);
            return null;
        }

        return route;
    }

    /// <summary>
    /// Forwards through the call (<see cref="ProxyCall.SendAsync"/>: the cluster's attempt loop), the call copied as it
    /// is (<see cref="GrpcRequestTransformer"/>). The deadline (PROTOCOL-HTTP2.md, Timeout) cancels the upstream call,
    /// retries and their backoff included; the handler sends upstream the time that is left. The forwarder links the
    /// token it is given with the caller's RequestAborted in its own pooled source, so the call's deadline goes in as it
    /// is (and a call without one passes no token at all): no linked source of ours. Awaited once per call, so its state
    /// machine is pooled.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ForwarderError> ForwardAsync(HttpContext context, Route route, ProxyCall call)
    {
        var prefix = call.Destination!.Prefix;
        var deadline = call.Deadline?.Token ?? CancellationToken.None;
        var (writeBehind, guard) = CallerResponse.Install(context, deadline);
        var transformer = new GrpcRequestTransformer(call, writeBehind);
        var error = await _forwarder.SendAsync(context, prefix, call, route.RequestConfig, transformer, deadline).ConfigureAwait(false);
        call.MarkDeadlineExpired();

        // The idle timeout fired before response headers while the request copy waited for the caller: the forwarder
        // reports RequestTimedOut or RequestBodyClient depending on which failure it saw first (CallerRequestBody). The
        // caller was the side that stalled, so it is RequestBodyClient either way; a destination that had the whole
        // request and sent no headers in time still gets RequestTimedOut.
        if (call.RequestBody is { ReadCut: true } && error is ForwarderError.RequestTimedOut or ForwarderError.RequestBodyClient)
        {
            error = ForwarderError.RequestBodyClient;
            call.MarkCallerWentQuiet();
        }

        // The forwarder blames the upstream for a read that failed; one that failed while it waited for the caller to take
        // the last write stands for that write, whose failure was the caller's (a stalled caller cut by the idle timeout).
        if (error == ForwarderError.ResponseBodyDestination && writeBehind is { CallerFailed: true })
        {
            error = ForwarderError.ResponseBodyClient;
        }

        if (guard is { ResetPending: true })
        {
            await guard.EndAsync(context.Response).ConfigureAwait(false);
        }

        // The answer before the bookkeeping. Kestrel sends a completed HTTP/2 response from two thread-pool work items
        // queued behind this worker: the connection's frame writer, then the socket sender it queues. With no other
        // call in flight this worker is the only one running, so the answer would wait for everything after this
        // (outlier detection, the call's end, telemetry, Kestrel's end of the request). Yielding twice puts that work
        // behind both (docs/benchmarks.md, "The answer before the bookkeeping"). Under load other calls' work is queued
        // anyway, and two more work items per call would only cost CPU.
        if (error == ForwarderError.None && writeBehind is { Completed: true } && call.Cluster.ActiveCalls <= 1)
        {
            await Task.Yield();
            await Task.Yield();
        }

        return error;
    }

    /// <summary>
    /// Records the try the caller got, unless the attempt loop already did (it failed and the loop answered). A caller
    /// that cancelled at its own deadline before any response headers is evidence against the destination too
    /// (issue 12: a hung destination was never ejected, since callers' timers fire before ours).
    /// </summary>
    private static void Record(HttpContext context, ProxyCall call, ForwarderError error)
    {
        if (call.Current is not { } attempt)
        {
            return;
        }

        if (ForwardedOutcome.Classify(context, error, call.DeadlineExpired) is { } outcome)
        {
            attempt.Record(outcome, ForwardedOutcome.IsLocalOrigin(context, error, call.DeadlineExpired));
        }
        else if (error == ForwarderError.RequestCanceled && call.CallerDeadlineReached())
        {
            attempt.RecordCallerDeadline();
        }
    }

    /// <summary>The shorter of the caller's grpc-timeout and the route's timeout; null for neither.</summary>
    private TimeSpan? Deadline(HttpRequest request, Route route)
    {
        var timeout = route.Policy.Timeout;
        var header = request.Headers.GrpcTimeout;
        if (header.Count == 0)
        {
            return timeout;
        }

        if (!GrpcTimeout.TryParse(header[0], out var callerTimeout))
        {
            // grpc-dotnet also ignores a malformed grpc-timeout rather than failing the call.
            RoutingLog.InvalidTimeout(_logger, header[0] ?? string.Empty);
            return timeout;
        }

        return timeout is { } t && t < callerTimeout ? t : callerTimeout;
    }

    private async Task ReportAsync(HttpContext context, Route forwarded, ProxyCall call, ForwarderError error)
    {
        var path = context.Request.Path.Value ?? string.Empty;
        var route = forwarded.Name;
        if (call.DeadlineExpired)
        {
            RoutingLog.DeadlineExceeded(_logger, route, call.Deadline?.Timeout ?? TimeSpan.Zero, path);
            if (!context.Response.HasStarted)
            {
                await TrailersOnlyResponse.WriteAsync(context.Response, StatusCode.DeadlineExceeded, "deadline exceeded at the proxy").ConfigureAwait(false);
            }

            return;
        }

        if (context.RequestAborted.IsCancellationRequested)
        {
            // The caller went away (RST_STREAM or a closed connection): nobody is left to answer.
            RoutingLog.CallCanceled(_logger, route, path, error);
            return;
        }

        var exception = context.Features.Get<IForwarderErrorFeature>()?.Exception;
        if (context.Response.HasStarted)
        {
            // The forwarder has reset the stream already: a status can no longer be sent without lying about the messages.
            RoutingLog.StreamFailed(_logger, route, path, error, exception);
            return;
        }

        if (call.CallerWentQuiet)
        {
            // Said as what happened: "the request body could not be read" sent operators looking for a broken caller.
            var idle = forwarded.Config.StreamIdleTimeout;
            RoutingLog.CallerWentQuiet(_logger, route, path, idle);
            await TrailersOnlyResponse.WriteAsync(
                context.Response, StatusCode.Cancelled, $"stream idle timeout: the caller sent nothing for {idle.TotalMilliseconds:0} ms").ConfigureAwait(false);
            return;
        }

        // Nothing reached the caller: whatever the forwarder prepared (502/504) becomes a gRPC status.
        var cluster = call.Cluster.Name;
        RoutingLog.UpstreamUnavailable(_logger, route, cluster, call.Destination!.Name, error, exception);
        var (code, message) = ForwarderErrorStatus.For(error, cluster);
        await TrailersOnlyResponse.WriteAsync(context.Response, code, message).ConfigureAwait(false);
    }
}
