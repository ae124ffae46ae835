using MeshProxy.Grpc;
using MeshProxy.Observability;
using MeshProxy.TrafficPolicy.CircuitBreaking;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace MeshProxy.TrafficPolicy.Overload;

/// <summary>
/// Admission of a routed call before anything is sent (Envoy's order: the overload manager, the local rate limit
/// filter, then the router's circuit breakers): the process's heap, the route's token bucket, then a request slot of
/// the cluster the split picked, waiting in its pending queue when the cluster is full. A refused call is answered here
/// (<see cref="OverloadRefusal"/>): it never reaches a backend, never tells outlier detection anything and is never
/// retried by the sidecar.
/// </summary>
internal sealed class OverloadGate(CallServices services, ILogger<OverloadGate> logger, HeapGuard? heap = null)
{
    /// <summary>
    /// Admits the call, or answers it and returns null. An admitted call holds its request slot
    /// (<see cref="Admission.Slot"/>) until <see cref="ProxyCall.End"/>; the time it waited in the pending queue counts
    /// against the call's <paramref name="deadline"/> (already running), and a wait the deadline ends answers
    /// DEADLINE_EXCEEDED.
    /// </summary>
    public async ValueTask<Admission?> AdmitAsync(HttpContext context, RoutePolicy route, ClusterState cluster, CallDeadline? deadline)
    {
        // 0. The process's heap: near its limit, no new call of any route (HeapGuard; one comparison when it is not).
        if (heap is not null && heap.Refuse())
        {
            Refused(context, route, cluster);
            services.Overload?.HeapRefused(route.Name);
            await OverloadRefusal.HeapAsync(context.Response).ConfigureAwait(false);
            return null;
        }

        // 1. The route's local rate limit: a token, or RESOURCE_EXHAUSTED at once.
        if (route.RateLimit is { } limiter && !limiter.TryAcquire(out var retryAfter))
        {
            Refused(context, route, cluster);
            services.Overload?.RateLimited(route.Name);
            OverloadLog.RateLimited(logger, route.Name);
            await OverloadRefusal.RateLimitedAsync(context.Response, route.Name, retryAfter).ConfigureAwait(false);
            return null;
        }

        // 2. A request slot at once (no allocation beyond the lease on this path).
        var breaker = cluster.CircuitBreaker;
        var lease = breaker.TryAcquireRequest();
        if (lease.IsAcquired)
        {
            return new Admission(lease);
        }

        lease.Dispose();
        if (breaker.Config.MaxPendingRequests == 0)
        {
            await RefuseAsync(context, route, cluster, BreakerLimit.Requests).ConfigureAwait(false);
            return null;
        }

        // 3. The pending queue: until a slot frees, the caller goes, or the call's deadline passes (its own timer; only
        //    this wait, which is not the common case, links it with the caller's RequestAborted).
        using var linked = deadline is null ? null : CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, deadline.Token);
        try
        {
            lease = await breaker.AcquireRequestAsync(linked?.Token ?? context.RequestAborted).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (deadline is { Expired: true } && !context.RequestAborted.IsCancellationRequested)
        {
            OverloadLog.PendingDeadlineExceeded(logger, route.Name, cluster.Name, deadline.Timeout);
            await DeadlineExceededAsync(context, route, cluster).ConfigureAwait(false);
            return null;
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The caller went away while waiting: nobody is left to answer.
            return null;
        }

        if (!lease.IsAcquired)
        {
            lease.Dispose();
            await RefuseAsync(context, route, cluster, BreakerLimit.Pending).ConfigureAwait(false);
            return null;
        }

        // A slot that came as the deadline ran out: the call could only start after it.
        if (deadline is not null && (deadline.Expired || deadline.Remaining() <= TimeSpan.Zero))
        {
            lease.Dispose();
            OverloadLog.PendingDeadlineExceeded(logger, route.Name, cluster.Name, deadline.Timeout);
            await DeadlineExceededAsync(context, route, cluster).ConfigureAwait(false);
            return null;
        }

        return new Admission(lease);
    }

    private static Task DeadlineExceededAsync(HttpContext context, RoutePolicy route, ClusterState cluster)
    {
        Refused(context, route, cluster);
        return TrailersOnlyResponse.WriteAsync(context.Response, StatusCode.DeadlineExceeded, $"deadline exceeded waiting for a request slot of cluster {cluster.Name}");
    }

    // The call's metrics and access log line name its route and cluster (RefusedCall), as a forwarded call's do.
    private static void Refused(HttpContext context, RoutePolicy route, ClusterState cluster) =>
        context.Features.Set(new RefusedCall(route.Name, cluster.Name));

    private Task RefuseAsync(HttpContext context, RoutePolicy route, ClusterState cluster, BreakerLimit limit)
    {
        Refused(context, route, cluster);
        var name = BreakerLimits.Name(limit);
        services.Overload?.BreakerOverflowed(cluster.Name, limit);
        OverloadLog.BreakerOverflow(logger, cluster.Name, name, route.Name);
        if (cluster.CircuitBreaker.TakeWarning(services.Time, out var refused))
        {
            OverloadLog.BreakerOpen(logger, cluster.Name, name, refused);
        }

        return OverloadRefusal.BreakerAsync(context.Response, cluster.Name, limit);
    }
}
