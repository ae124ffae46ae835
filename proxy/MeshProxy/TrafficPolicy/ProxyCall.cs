using MeshProxy.Configuration;
using MeshProxy.Grpc;
using MeshProxy.IO;
using MeshProxy.Observability;
using MeshProxy.TrafficPolicy.CircuitBreaking;
using MeshProxy.TrafficPolicy.Retries;
using MeshProxy.Upstream;
using Microsoft.AspNetCore.Http;

namespace MeshProxy.TrafficPolicy;

/// <summary>
/// Everything the pipeline knows about one proxied call, made once when a route has matched and read by every stage
/// after it: the route's policy, the cluster and destination of each try (<see cref="CallAttempt"/>), the deadline,
/// the replay buffer, the retry budget slot, the caller's identity and how the call ended. It is the call's one
/// HttpContext feature, and the invoker the forwarder sends the call with: <see cref="SendAsync"/> hands the
/// forwarder's upstream request and the call together to the attempt loop of the cluster the split picked
/// (<see cref="RetryHandler"/>), so the request does not carry the call in its <c>Options</c> (a dictionary per call).
/// </summary>
/// <remarks>
/// <para>
/// Who writes what: routing starts it (<see cref="Start"/>: cluster and first destination picked, deadline set);
/// the attempt loop (<see cref="RetryHandler"/>) adds tries, records failed ones and marks the retry outcome; the
/// endpoint records the outcome of the try the caller got and <see cref="End"/>s the call. Telemetry only reads it,
/// after the endpoint returned; tracing hears each try through <see cref="ICallObserver"/>.
/// </para>
/// <para>
/// A stage added to the path (authorization, circuit-breaker admission, a rate limit) is one call that reads this
/// object, before the upstream request is sent: <c>if (!await _authz.AuthorizeAsync(call)) return;</c>.
/// </para>
/// <para>
/// Cost: one object and one <see cref="CallAttempt"/> per call that forwards; lists, the replay buffer and owned
/// disposables are made only when a retry or hedge needs them. Being an <see cref="HttpMessageInvoker"/> costs its three
/// fields; the invoker's own <c>SendAsync</c>, which raised System.Net.Http's request-start and -stop events when
/// something listened, is replaced (the proxy's own metrics and spans cover each try).
/// </para>
/// </remarks>
internal sealed class ProxyCall : HttpMessageInvoker
{
    private readonly ClusterState _picked;
    private CallAttempt? _first;
    private List<CallAttempt>? _attempts;
    private ReplayBody? _body;
    private List<IDisposable>? _owned;
    private ClusterState? _budgetSlot;
    private IDisposable? _requestSlot;
    private IDisposable? _retrySlot;
    private TryTimeout? _tryTimeout;

    private ProxyCall(HttpContext context, RoutePolicy route, ClusterState cluster, bool idempotent, CallDeadline? deadline, CallServices services)
        : base(cluster.Client.Retries, disposeHandler: false)
    {
        HttpContext = context;
        Route = route;
        _picked = cluster;
        Idempotent = idempotent;
        Deadline = deadline;
        Services = services;
        Started = services.Time.GetTimestamp();
    }

    public HttpContext HttpContext { get; }

    public RoutePolicy Route { get; }

    public CallServices Services { get; }

    /// <summary>The method is safe to repeat (descriptor <c>idempotency_level</c>, or the route's <c>idempotent: true</c>).</summary>
    public bool Idempotent { get; }

    /// <summary>The hedging policy this call runs under: the route's, for an idempotent method; else null.</summary>
    public HedgingPolicy? Hedging => Idempotent ? Route.Hedging : null;

    /// <summary>Whether the call may be sent more than once (a retry policy or hedging): its body is then recorded.</summary>
    public bool Retries => Route.Retry.Enabled || Hedging is not null;

    /// <summary>
    /// The caller's verified identity (a SPIFFE ID on mTLS), when a stage has read it; null on cleartext or before.
    /// Room for authorization and the access log.
    /// </summary>
    public string? Caller { get; set; }

    /// <summary>When the call started (a <see cref="TimeProvider"/> timestamp).</summary>
    public long Started { get; }

    /// <summary>
    /// The call's deadline and its one cancellation source (the shorter of the caller's grpc-timeout and the route's
    /// timeout, counted from when the call was routed); null for none. The endpoint owns and disposes it.
    /// </summary>
    public CallDeadline? Deadline { get; }

    /// <summary>
    /// True once the deadline's timer cut the call before its caller went away; set by the endpoint when forwarding
    /// ended (<see cref="MarkDeadlineExpired"/>), so what telemetry reads later does not change under it.
    /// </summary>
    public bool DeadlineExpired { get; private set; }

    /// <summary>
    /// True when the route's stream idle timeout cut the call while it waited for the caller's next request bytes: the
    /// caller's silence, not the destination's, ended it (set by the endpoint when forwarding ended).
    /// </summary>
    public bool CallerWentQuiet { get; private set; }

    /// <summary>The try the caller gets (or got) its answer from; null when no destination could be picked.</summary>
    public CallAttempt? Current { get; private set; }

    /// <summary>The cluster the route's split picked (a failover retry may go elsewhere); the call's request metrics count here.</summary>
    public ClusterState SplitCluster => _picked;

    /// <summary>Where the current try went; the cluster the split picked when there is no try.</summary>
    public ClusterState Cluster => Current?.Cluster ?? _picked;

    public DestinationState? Destination => Current?.Destination;

    /// <summary>Tries so far; <see cref="Attempt"/> reads them in the order they started.</summary>
    public int AttemptCount => _attempts?.Count ?? (_first is null ? 0 : 1);

    /// <summary>The first try; null when no destination could be picked.</summary>
    public CallAttempt? First => _first;

    /// <summary>Try number <paramref name="index"/> + 1, without allocating.</summary>
    public CallAttempt Attempt(int index) => _attempts?[index] ?? (index == 0 && _first is not null ? _first : throw new ArgumentOutOfRangeException(nameof(index)));

    /// <summary>The caller's request body as the forwarder reads it; null when no destination could be picked.</summary>
    public CallerRequestBody? RequestBody { get; private set; }

    /// <summary>The caller's request body as read so far, for replays; made on first use.</summary>
    public ReplayBody Body => _body ??= new ReplayBody(Route.Retry.Config.BufferLimit);

    /// <summary>Set by the attempt loop when a call that was retried or hedged ended well (OK, or a reply that committed).</summary>
    public bool RetrySucceeded { get; internal set; }

    /// <summary>The cluster whose retry budget refused this call a retry; null when none did.</summary>
    public string? RetryBudgetExhaustedIn { get; internal set; }

    /// <summary>The cluster whose circuit breaker (<c>maxRetries</c>) refused this call a retry; null when none did.</summary>
    public string? RetryOverflowIn { get; private set; }

    /// <summary>
    /// Starts the call on <paramref name="route"/>: picks the cluster (canary split) and the destination of the first
    /// try, counts it in flight, publishes the call as the request's feature, and puts <see cref="RequestBody"/> in place
    /// of the caller's body (recording it as it is read when the call may be sent more than once).
    /// </summary>
    /// <param name="context">The caller's request.</param>
    /// <param name="route">The matched route's policy.</param>
    /// <param name="idempotent">The descriptor sets mark the method safe to repeat.</param>
    /// <param name="deadline">The call's deadline, started when the call was routed; null for none.</param>
    /// <param name="services">What every call shares.</param>
    /// <param name="picked">The cluster the split already picked (the circuit breaker admitted the call there); null picks now.</param>
    /// <param name="requestSlot">The circuit breaker's request slot the call holds until <see cref="End"/>; null for none.</param>
    public static ProxyCall Start(HttpContext context, RoutePolicy route, bool idempotent, CallDeadline? deadline, CallServices services, ClusterState? picked = null, IDisposable? requestSlot = null)
    {
        var cluster = picked ?? route.Backends.Pick(context.Request.Headers);
        var call = new ProxyCall(context, route, cluster, idempotent || route.Idempotent, deadline, services) { _requestSlot = requestSlot };
        context.Features.Set(call);
        cluster.RetryBudget.Deposit();
        if (cluster.PickDestination() is { } destination)
        {
            call.BeginAttempt(cluster, destination, reason: null);
            call.RequestBody = CallerRequestBody.Install(context, call.Retries ? call.Body : null);
        }

        return call;
    }

    /// <summary>The forwarder's upstream request for this call: sent, retried or hedged by the picked cluster's attempt loop.</summary>
    public override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        _picked.Client.Retries.SendCallAsync(request, this, cancellationToken);

    /// <summary>
    /// The caller's headers as every try sends them, when the call took them (<see cref="TryTakeCallerHeaders"/>); null
    /// when the forwarder copied them into the upstream request.
    /// </summary>
    public CallerHeaders? CallerHeaders { get; private set; }

    /// <summary>
    /// Takes the caller's headers for the lean client to send after each try's own, in place of the forwarder's copy into
    /// the upstream request: only when every cluster the route may try sends through the lean client (a retry may fail
    /// over to any of them). False leaves them to the forwarder.
    /// </summary>
    public bool TryTakeCallerHeaders()
    {
        if (!Route.Backends.AllLean)
        {
            return false;
        }

        CallerHeaders = CallerHeaders.From(HttpContext.Request);
        return true;
    }

    /// <summary>Time left of the deadline (negative once passed); null without one.</summary>
    public TimeSpan? Remaining() => Deadline?.Remaining();

    /// <summary>Called once forwarding has ended, when the stream idle timeout cut a read from the caller.</summary>
    public void MarkCallerWentQuiet() => CallerWentQuiet = true;

    /// <summary>Called once forwarding has ended: the deadline fired and the caller was still there.</summary>
    public void MarkDeadlineExpired() => DeadlineExpired = Deadline is { Expired: true } && !HttpContext.RequestAborted.IsCancellationRequested;

    /// <summary>
    /// Whether a caller that cancelled now did so at its deadline: the call has one and at most a quarter of it is
    /// left on our clock. The caller's timer started before ours (by the time its request took to reach us), so it
    /// fires first, while ours still shows a little time left; a quarter allows for a slow path without counting a
    /// caller that gave up early for reasons of its own.
    /// </summary>
    public bool CallerDeadlineReached() => Deadline is { } deadline && deadline.Remaining() <= deadline.Timeout / 4;

    /// <summary>Whether a try that failed with <paramref name="failure"/> may be tried again: retryOn, or a reset of an idempotent method.</summary>
    public bool MayRetry(RetryOn failure) => Route.Retry.Retries(failure) || (Idempotent && failure == RetryOn.Reset);

    /// <summary>Destinations tried so far.</summary>
    public IReadOnlyList<DestinationState> Tried()
    {
        var tried = new List<DestinationState>(AttemptCount);
        for (var i = 0; i < AttemptCount; i++)
        {
            if (!tried.Contains(Attempt(i).Destination))
            {
                tried.Add(Attempt(i).Destination);
            }
        }

        return tried;
    }

    /// <summary>
    /// The cluster a retry goes to: the current one, or with failover the first of the route's other clusters not
    /// tried yet (config order), falling back to the current one when all were tried.
    /// </summary>
    public ClusterState NextCluster()
    {
        if (!Route.Retry.Config.Failover)
        {
            return Cluster;
        }

        foreach (var candidate in Route.Backends.Clusters)
        {
            if (candidate.Destinations.Count > 0 && !WasTried(candidate))
            {
                return candidate;
            }
        }

        return Cluster;
    }

    /// <summary>Starts a try at <paramref name="destination"/> and makes it the current one; it counts in flight until released.</summary>
    public CallAttempt BeginAttempt(ClusterState cluster, DestinationState destination, string? reason)
    {
        var attempt = new CallAttempt(AttemptCount + 1, cluster, destination, Services.Time.GetTimestamp(), reason);
        attempt.HoldRetrySlot(_retrySlot);
        _retrySlot = null;
        attempt.Begin();
        if (_first is null)
        {
            _first = attempt;
        }
        else
        {
            _attempts ??= [_first];
            _attempts.Add(attempt);
        }

        Current = attempt;
        return attempt;
    }

    /// <summary>The try whose reply the caller gets (a hedge that won).</summary>
    internal void Choose(CallAttempt attempt) => Current = attempt;

    /// <summary>
    /// Readies an upstream request for <paramref name="attempt"/>: <c>grpc-timeout</c> becomes the time left of the
    /// deadline (the one place it is written), and the observer (tracing) hears of the try.
    /// </summary>
    public void PrepareAttempt(CallAttempt attempt, HttpRequestMessage request)
    {
        var headers = request.Headers;
        headers.Remove(GrpcProtocol.TimeoutHeader);
        if (Remaining() is { } left)
        {
            headers.TryAddWithoutValidation(GrpcProtocol.TimeoutHeader, GrpcTimeout.Format(left < TimeSpan.Zero ? TimeSpan.Zero : left));
        }

        Services.Observer?.AttemptStarting(this, attempt, request);
    }

    /// <summary>
    /// Takes the retry budget of <paramref name="cluster"/> for the next try, giving back the slot held for the
    /// previous one; a retry after <paramref name="failure"/> that no server saw (<see cref="RetryBudget.TakesSlot"/>)
    /// takes nothing. False (and the refusal noted for telemetry) when the budget is spent, or when the cluster's
    /// circuit breaker has <c>maxRetries</c> retries in flight (its slot then goes to the next try, freed when that
    /// try is released). The breaker is asked first, so a refused retry spends no budget.
    /// </summary>
    public bool TryTakeBudget(ClusterState cluster, RetryOn? failure)
    {
        ReleaseBudget();
        if (!RetryBudget.TakesSlot(failure))
        {
            return true;
        }

        if (!cluster.CircuitBreaker.TryAcquireRetry(out var retrySlot))
        {
            RetryOverflowIn = cluster.Name;
            Services.Overload?.BreakerOverflowed(cluster.Name, BreakerLimit.Retries);
            OverloadLog.BreakerOverflow(Services.Logger, cluster.Name, BreakerLimits.Name(BreakerLimit.Retries), Route.Name);
            return false;
        }

        if (!cluster.RetryBudget.TryTake(cluster.ActiveCalls, out var slot))
        {
            retrySlot?.Dispose();
            RetryBudgetExhaustedIn = cluster.Name;
            return false;
        }

        _budgetSlot = slot ? cluster : null;
        _retrySlot = retrySlot;
        return true;
    }

    /// <summary>
    /// The per-try timeout source the next try is sent under, or null when the try goes under <paramref name="callToken"/>
    /// alone: no per-try timeout, or one not shorter than the time left (the deadline ends the try first anyway, so a
    /// second timer would only cost). Otherwise one source serves every try of the call, re-armed when the last try did
    /// not time out; it is disposed when the call ends. Tries are sequential here (hedges have no per-try timeout).
    /// </summary>
    internal TryTimeout? TryTimeoutFor(TimeSpan perTryTimeout, CancellationToken callToken)
    {
        if (perTryTimeout <= TimeSpan.Zero || (Remaining() is { } left && perTryTimeout >= left))
        {
            return null;
        }

        if (_tryTimeout is { } reused && reused.TryRearm(perTryTimeout))
        {
            return reused;
        }

        // The last try timed out (or the call's token was cancelled): its source cannot be reset.
        _tryTimeout?.Dispose();
        return _tryTimeout = new TryTimeout(perTryTimeout, Services.Time, callToken);
    }

    /// <summary>Disposed when the call ends (retry request messages, hedges' token sources).</summary>
    public void Own(IDisposable disposable) => (_owned ??= []).Add(disposable);

    /// <summary>The call has fully ended (the stream is over): every count it holds goes back.</summary>
    public void End()
    {
        for (var i = 0; i < AttemptCount; i++)
        {
            Attempt(i).Release();
        }

        ReleaseBudget();
        _retrySlot?.Dispose();
        _retrySlot = null;
        _requestSlot?.Dispose();
        _requestSlot = null;
        _body?.Dispose();
        _tryTimeout?.Dispose();
        _tryTimeout = null;
        if (_owned is { } owned)
        {
            foreach (var disposable in owned)
            {
                disposable.Dispose();
            }

            owned.Clear();
        }
    }

    private bool WasTried(ClusterState cluster)
    {
        for (var i = 0; i < AttemptCount; i++)
        {
            if (ReferenceEquals(Attempt(i).Cluster, cluster))
            {
                return true;
            }
        }

        return false;
    }

    private void ReleaseBudget()
    {
        _budgetSlot?.RetryBudget.Release();
        _budgetSlot = null;
    }
}
