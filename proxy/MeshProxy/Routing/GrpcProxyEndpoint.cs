using MeshProxy.Grpc;
using MeshProxy.Observability;
using MeshProxy.Observability.Metrics;
using MeshProxy.Protection;
using MeshProxy.TrafficPolicy;
using MeshProxy.TrafficPolicy.Retries;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;

namespace MeshProxy.Routing;

/// <summary>
/// The request handler of the gRPC listener: route the call by :path and headers, pick a cluster and destination,
/// apply the deadline, forward with YARP, and turn every failure decided before the response started into a gRPC
/// status (gRPC callers always get gRPC answers).
/// </summary>
internal sealed class GrpcProxyEndpoint
{
    private readonly ProxySnapshotProvider _snapshots;
    private readonly IHttpForwarder _forwarder;
    private readonly HttpTransformer _transformer;
    private readonly TimeProvider _time;
    private readonly Random _random;
    private readonly ILogger _logger;
    private readonly MeshProxyMetrics? _metrics;
    private readonly CallerCommitGate _commit;

    public GrpcProxyEndpoint(ProxySnapshotProvider snapshots, IHttpForwarder forwarder, TimeProvider time, Random random, ILogger<GrpcProxyEndpoint> logger, CallerCommitGate commit, MeshProxyMetrics? metrics = null)
    {
        _commit = commit;
        _metrics = metrics;
        _snapshots = snapshots;
        _forwarder = forwarder;
        _time = time;
        _random = random;
        _transformer = new GrpcRequestTransformer(time);
        _logger = logger;
    }

    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;

        // 1. Only gRPC on this listener (PROTOCOL-HTTP2.md: POST with content-type application/grpc*). Anything else is
        //    not a gRPC caller, so it gets a plain HTTP status rather than a grpc-status it would not read.
        if (!GrpcProtocol.IsGrpcContentType(request.ContentType))
        {
            RoutingLog.NotGrpc(_logger, request.Method, request.Path.Value ?? string.Empty, request.ContentType);
            context.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            return;
        }

        if (!HttpMethods.IsPost(request.Method))
        {
            RoutingLog.NotGrpc(_logger, request.Method, request.Path.Value ?? string.Empty, request.ContentType);
            context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            context.Response.Headers.Allow = HttpMethods.Post;
            return;
        }

        // 2. Route on one snapshot, read once.
        var path = request.Path.Value ?? string.Empty;
        var snapshot = _snapshots.Current;
        if (snapshot is null)
        {
            await TrailersOnlyResponse.WriteAsync(context.Response, StatusCode.Unavailable, "the proxy has no configuration yet").ConfigureAwait(false);
            return;
        }

        var route = snapshot.Routes.Match(path, request.Headers);
        if (route is null)
        {
            RoutingLog.NoRoute(_logger, path);
            await TrailersOnlyResponse.WriteAsync(context.Response, StatusCode.Unimplemented, $"no route for {path}").ConfigureAwait(false);
            return;
        }

        // 2b. A stream reset before its request is complete starts no upstream call (HTTP/2 rapid reset; CallerCommitGate).
        if (!await _commit.WaitAsync(context).ConfigureAwait(false))
        {
            return;
        }

        // 3. Pick the cluster (weighted) and the destination (the cluster's load-balancing policy).
        var cluster = route.Backends.Pick(request.Headers);
        var destination = cluster.PickDestination();
        RoutedCall.Publish(context, route, cluster, destination);
        if (destination is null)
        {
            RoutingLog.NoDestination(_logger, route.Name, cluster.Name);
            await TrailersOnlyResponse.WriteAsync(context.Response, StatusCode.Unavailable, $"no destination in cluster {cluster.Name}").ConfigureAwait(false);
            return;
        }

        // 4. Count the call until it has fully ended (YARP's SendAsync returns after the last byte of a stream, or on
        //    failure): the cluster's count keeps its client alive if a reload retires it meanwhile; the destination's
        //    feeds the least-request policies. Both are released in finally, so nothing leaks on exceptions.
        //    A retry moves both counts to its own destination (RetryCall.MoveTo), so the call ends where it last went.
        cluster.BeginCall();
        destination.RequestStarted();
        var retry = StartRetries(context, route, cluster, destination);
        try
        {
            await ForwardAsync(context, route, cluster, destination, retry).ConfigureAwait(false);
        }
        finally
        {
            (retry?.Destination ?? destination).RequestEnded();
            (retry?.Cluster ?? cluster).EndCall();
            retry?.Dispose();
        }
    }

    /// <summary>
    /// For a route that retries: the call's retry state, handed to the cluster's RetryHandler, and the caller's body
    /// recorded for replay as it is read. Null (nothing allocated) for a route with maxAttempts 1.
    /// </summary>
    private RetryCall? StartRetries(HttpContext context, Route route, ClusterState cluster, DestinationState destination)
    {
        if (!route.Retry.Enabled)
        {
            return null;
        }

        var request = context.Request;
        var call = new RetryCall(
            route.Name,
            route.Retry,
            route.Backends,
            cluster,
            destination,
            string.Concat(request.Path.Value, request.QueryString.Value),
            _time,
            _random,
            _logger)
        {
            Metrics = _metrics,
            Routed = context.Features.Get<RoutedCall>(),
        };
        request.Body = new RecordingRequestStream(request.Body, call.Body);
        context.Features.Set(call);
        return call;
    }

    private async Task ForwardAsync(HttpContext context, Route route, ClusterState cluster, DestinationState destination, RetryCall? retry)
    {
        var request = context.Request;

        // 5. The deadline is the shorter of the caller's grpc-timeout and the route's timeout (PROTOCOL-HTTP2.md,
        //    Timeout). It cancels the upstream call (retries and their backoff included); the transformer and the
        //    retry loop send upstream the time that is left.
        var timeout = Deadline(request, route);
        ForwarderError error;
        var expired = false;
        if (timeout is null)
        {
            DownstreamGuard.Install(context, CancellationToken.None);
            error = await _forwarder.SendAsync(context, destination.Prefix, cluster.Client, route.RequestConfig, _transformer, context.RequestAborted).ConfigureAwait(false);
        }
        else
        {
            var start = _time.GetTimestamp();
            var callDeadline = new CallDeadline(start, timeout.Value);
            context.Features.Set(callDeadline);
            retry?.SetDeadline(start, timeout.Value);
            using var deadlineSource = new CancellationTokenSource(timeout.Value, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, deadlineSource.Token);
            var guard = DownstreamGuard.Install(context, deadlineSource.Token);
            error = await _forwarder.SendAsync(context, destination.Prefix, cluster.Client, route.RequestConfig, _transformer, linked.Token).ConfigureAwait(false);
            expired = deadlineSource.IsCancellationRequested && !context.RequestAborted.IsCancellationRequested;
            if (expired)
            {
                callDeadline.MarkExpired();
            }

            if (guard is { ResetPending: true })
            {
                await guard.EndAsync(context.Response).ConfigureAwait(false);
            }
        }

        // The last attempt is recorded here, once, where it went (a retry may have moved it) unless the retry loop
        // recorded it already; every earlier attempt was recorded by the loop.
        var last = retry?.Destination ?? destination;
        if (retry is not { LastAttemptRecorded: true })
        {
            Record(context, last, error, expired);
        }

        if (error != ForwarderError.None)
        {
            await ReportAsync(context, route, (retry?.Cluster ?? cluster).Name, last.Name, error, timeout, expired).ConfigureAwait(false);
        }
    }

    private static void Record(HttpContext context, DestinationState destination, ForwarderError error, bool deadlineExpired)
    {
        if (ForwardedOutcome.Classify(context, error, deadlineExpired) is { } outcome)
        {
            destination.Record(outcome);
        }
    }

    private TimeSpan? Deadline(HttpRequest request, Route route)
    {
        TimeSpan? timeout = route.Config.Timeout > TimeSpan.Zero ? route.Config.Timeout : null;
        var header = request.Headers[GrpcProtocol.TimeoutHeader];
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

    private async Task ReportAsync(HttpContext context, Route route, string cluster, string destination, ForwarderError error, TimeSpan? deadline, bool deadlineExpired)
    {
        var path = context.Request.Path.Value ?? string.Empty;
        if (deadlineExpired)
        {
            RoutingLog.DeadlineExceeded(_logger, route.Name, deadline ?? TimeSpan.Zero, path);
            if (!context.Response.HasStarted)
            {
                await TrailersOnlyResponse.WriteAsync(context.Response, StatusCode.DeadlineExceeded, "deadline exceeded at the proxy").ConfigureAwait(false);
            }

            return;
        }

        if (context.RequestAborted.IsCancellationRequested)
        {
            // The caller went away (RST_STREAM or a closed connection): nobody is left to answer.
            RoutingLog.CallCanceled(_logger, route.Name, path, error);
            return;
        }

        var exception = context.Features.Get<IForwarderErrorFeature>()?.Exception;
        if (context.Response.HasStarted)
        {
            // YARP has reset the stream already: a status can no longer be sent without lying about the messages.
            RoutingLog.StreamFailed(_logger, route.Name, path, error, exception);
            return;
        }

        // Nothing reached the caller: whatever YARP prepared (502/504) becomes a gRPC status.
        RoutingLog.UpstreamUnavailable(_logger, route.Name, cluster, destination, error, exception);
        var (code, message) = ForwarderErrorStatus.For(error, cluster);
        await TrailersOnlyResponse.WriteAsync(context.Response, code, message).ConfigureAwait(false);
    }
}
