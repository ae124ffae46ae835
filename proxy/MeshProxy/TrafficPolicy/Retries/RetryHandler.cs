using MeshProxy.Configuration;
using MeshProxy.Grpc;
using MeshProxy.Observability;
using MeshProxy.Upstream;

namespace MeshProxy.TrafficPolicy.Retries;

/// <summary>
/// The attempt loop of a <see cref="ProxyCall"/> (gRPC A6 retries and hedging, Envoy's retry policy knobs), inside each
/// cluster's <see cref="HttpMessageInvoker"/>. The forwarder only ever sees the response the caller gets, so nothing of
/// a failed or losing try (headers included) reaches the caller, and the forwarder knows nothing of tries.
/// </summary>
/// <remarks>
/// The forwarder sends a call through the call itself (<see cref="ProxyCall.SendAsync"/>), which hands the upstream request
/// to <see cref="SendCallAsync"/>: the handler writes its <c>grpc-timeout</c> and lets the observer (tracing) hear of
/// it, then sends it once when the call may not be repeated. A request sent through the cluster's invoker (a retry
/// this handler sends through another cluster's client) passes straight through. Otherwise, per try of
/// <see cref="SendWithRetriesAsync"/>:
/// <list type="number">
/// <item>Send, under the per-try timeout when the route has one (it covers the wait for response headers).</item>
/// <item>A response without <c>grpc-status</c> in its headers has committed (A6: the server sent headers, maybe
/// messages): it is returned. So is a Trailers-Only reply whose status the policy does not retry. Transport
/// failures (connect failure, refused stream, reset) and a per-try timeout are retriable by their own names; a reset
/// or a lost connection also when the method is idempotent (<see cref="ProxyCall.MayRetry"/>).</item>
/// <item>A retriable failure is retried unless: the attempts are used up; the server's pushback is negative or
/// malformed; the request body cannot be replayed (see <see cref="ReplayBody"/>); the cluster's retry budget is
/// spent (<see cref="RetryBudget"/>; a retry no server saw spends none); or the call's deadline ends before the next
/// attempt could start (the caller then gets DEADLINE_EXCEEDED at once).</item>
/// <item>Retrying: the failed try is recorded for passive health, the next destination is one not yet tried
/// (<see cref="ClusterState.PickDestination(IReadOnlyList{DestinationState})"/>), in the same cluster unless the
/// route allows failover; the wait is the pushback exactly, else the jittered backoff; the new request carries
/// <c>grpc-previous-rpc-attempts</c> and a <c>grpc-timeout</c> of the time left.</item>
/// </list>
/// A per-try timeout with no retry left answers UNAVAILABLE (the try ran out of time, not the caller's deadline).
/// A caller cancel (or the deadline) during the backoff ends the loop with the cancellation: nothing more is
/// recorded. The try the caller gets is recorded by the endpoint once the call has ended, unless this loop did.
/// Idempotent calls on a route with <c>hedging:</c> run <see cref="SendHedgedAsync"/> instead.
/// </remarks>
internal sealed partial class RetryHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    private readonly LeanHttp2Handler? _lean = inner as LeanHttp2Handler;

    /// <summary>The number of earlier attempts, sent on every retry (gRPC A6, "Retry attempt header").</summary>
    public const string PreviousAttemptsHeader = "grpc-previous-rpc-attempts";

    /// <summary>Sends <paramref name="request"/>, the upstream request of <paramref name="call"/>: once, retried or hedged.</summary>
    public Task<HttpResponseMessage> SendCallAsync(HttpRequestMessage request, ProxyCall call, CancellationToken cancellationToken)
    {
        if (call.Current is not { } first)
        {
            return base.SendAsync(request, cancellationToken);
        }

        call.PrepareAttempt(first, request);
        if (call.Hedging is not null)
        {
            return SendHedgedAsync(request, call, cancellationToken);
        }

        return call.Route.Retry.Enabled ? SendWithRetriesAsync(request, call, cancellationToken) : SendTryAsync(request, call, cancellationToken);
    }

    /// <summary>This cluster's client sends the caller's headers itself (<see cref="ProxyCall.TryTakeCallerHeaders"/>).</summary>
    public bool IsLean => _lean is not null;

    /// <summary>Sends one try of <paramref name="call"/> through this cluster's own handler, with the caller's headers when the call took them.</summary>
    internal Task<HttpResponseMessage> SendTryAsync(HttpRequestMessage message, ProxyCall call, CancellationToken cancellationToken) =>
        call.CallerHeaders is { } caller
            ? (_lean ?? throw new InvalidOperationException("the call took the caller's headers for a cluster whose client cannot send them")).SendAsync(message, caller, cancellationToken)
            : base.SendAsync(message, cancellationToken);

    private async Task<HttpResponseMessage> SendWithRetriesAsync(HttpRequestMessage request, ProxyCall call, CancellationToken cancellationToken)
    {
        // 1. The first try pumps the caller's body, recording it for replays.
        var callerContent = RecordBody(request, call, cancellationToken);

        // 2. Send it, here rather than in SendOnceAsync: the response wakes one state machine fewer, each of them cold
        //    memory by then. A reply that committed, or whose status is not retried, is the caller's: most calls end
        //    here, in a state machine that holds only what the first try needs (the retry loop's is made only to retry).
        var perTry = call.TryTimeoutFor(call.Route.Retry.Config.PerTryTimeout, cancellationToken);
        Tried tried;
        try
        {
            var response = await SendTryAsync(request, call, perTry?.Token ?? cancellationToken).ConfigureAwait(false);
            perTry?.Stop();
            tried = new Tried(response, null, null, PerTryTimedOut: false);
        }
        catch (Exception ex) when (IsTryFailure(ex, perTry, cancellationToken))
        {
            tried = TriedFailure(ex, perTry);
        }

        var verdict = Judge(call, tried);
        return verdict.Committed
            ? Commit(call, tried.Response!, verdict.Status)
            : await RetryAsync(request, call, callerContent, tried, verdict, cancellationToken).ConfigureAwait(false);
    }

    private async Task<HttpResponseMessage> RetryAsync(HttpRequestMessage request, ProxyCall call, HttpContent? callerContent, Tried tried, Verdict verdict, CancellationToken cancellationToken)
    {
        while (true)
        {
            // 3. May it be retried?
            var plan = await PlanRetryAsync(call, tried, verdict, cancellationToken).ConfigureAwait(false);
            if (plan.Next is null)
            {
                return GiveUp(request, call, tried, verdict, plan);
            }

            // 4. Retry: record the failed try, wait, then move to a destination not tried yet, and send again.
            var message = await StartRetryAsync(request, call, callerContent, tried, verdict, plan, cancellationToken).ConfigureAwait(false);
            tried = await SendOnceAsync(message, call, call.Current!, call.Route.Retry.Config.PerTryTimeout, cancellationToken).ConfigureAwait(false);
            verdict = Judge(call, tried);
            if (verdict.Committed)
            {
                return Commit(call, tried.Response!, verdict.Status);
            }
        }
    }

    private static async ValueTask<RetryPlan> PlanRetryAsync(ProxyCall call, Tried tried, Verdict verdict, CancellationToken cancellationToken)
    {
        var policy = call.Route.Retry;
        var logger = call.Services.Logger;
        var next = verdict.Retriable && call.AttemptCount < policy.MaxAttempts ? call.NextCluster() : null;
        if (next is not null && verdict.Pushback.Kind == PushbackKind.Stop)
        {
            TrafficPolicyLog.RetryPushbackStop(logger, call.Route.Name, call.Destination!.Name, UpstreamResponseFields.Joined(tried.Response!, RetryPushback.Header) ?? string.Empty);
            next = null;
        }

        var replay = ReplayState.NotStarted;
        if (next is not null)
        {
            replay = await call.Body.SettleAsync(cancellationToken).ConfigureAwait(false);
            if (replay is ReplayState.Incomplete or ReplayState.TooLarge)
            {
                TrafficPolicyLog.RetryBodyNotReplayable(logger, call.Route.Name, replay.ToString());
                next = null;
            }
        }

        var delay = verdict.Pushback.Kind == PushbackKind.Delay ? verdict.Pushback.Delay : policy.Backoff(call.AttemptCount, call.Services.Random);
        if (next is not null && call.Remaining() is { } remaining && remaining <= delay)
        {
            // No attempt may start after the caller's deadline: end now with the status the caller would get.
            TrafficPolicyLog.RetryDeadlineTooShort(logger, call.Route.Name, remaining, delay);
            return new RetryPlan(null, replay, delay, DeadlineTooShort: true);
        }

        if (next is not null && !call.TryTakeBudget(next, tried.FailureKind))
        {
            // A circuit breaker's refusal (maxRetries) logs itself; this one is the budget's.
            if (call.RetryBudgetExhaustedIn is not null)
            {
                TrafficPolicyLog.RetryBudgetExhausted(logger, call.Route.Name, next.Name, next.RetryBudget.InFlight, verdict.Reason);
            }

            next = null;
        }

        return new RetryPlan(next, replay, delay, DeadlineTooShort: false);
    }

    /// <summary>No retry: the failure goes to the caller as the destination sent it (the endpoint records that try).</summary>
    private static HttpResponseMessage GiveUp(HttpRequestMessage request, ProxyCall call, Tried tried, Verdict verdict, RetryPlan plan)
    {
        call.Body.Commit();
        if (plan.DeadlineTooShort)
        {
            call.Current!.Record(verdict.Outcome, verdict.LocalOrigin);
            tried.Response?.Dispose();
            return TrailersOnlyResponse.Create(request, StatusCode.DeadlineExceeded, "deadline exceeded at the proxy");
        }

        if (tried.Response is { } response)
        {
            return response;
        }

        if (tried.PerTryTimedOut)
        {
            // The try ran out of its own time, not the caller's (gRFC A6 leaves it to the proxy; Envoy answers 504):
            // DEADLINE_EXCEEDED would tell the caller its deadline passed, which it did not.
            call.Current!.Record(verdict.Outcome, verdict.LocalOrigin);
            return call.Remaining() is { } left && left <= TimeSpan.Zero
                ? TrailersOnlyResponse.Create(request, StatusCode.DeadlineExceeded, "deadline exceeded at the proxy")
                : TrailersOnlyResponse.Create(request, StatusCode.Unavailable, "per-try timeout at the proxy and no retry left");
        }

        tried.Failure!.Throw();
        return null!;
    }

    private static async Task<HttpRequestMessage> StartRetryAsync(HttpRequestMessage request, ProxyCall call, HttpContent? callerContent, Tried tried, Verdict verdict, RetryPlan plan, CancellationToken cancellationToken)
    {
        var failed = call.Current!;
        failed.Record(verdict.Outcome, verdict.LocalOrigin);
        failed.Close(verdict.Status, call.Services.Time.GetElapsedTime(failed.Started));
        tried.Response?.Dispose();
        TrafficPolicyLog.RetryScheduled(call.Services.Logger, call.Route.Name, call.AttemptCount, failed.Cluster.Name, failed.Destination.Name, verdict.Reason, plan.Delay);
        if (plan.Delay > TimeSpan.Zero)
        {
            await Task.Delay(plan.Delay, call.Services.Time, cancellationToken).ConfigureAwait(false);
        }

        var tries = call.Tried();
        var next = plan.Next!;
        var destination = next.PickDestination(tries);
        if (destination is null)
        {
            next = call.Cluster;
            destination = next.PickDestination(tries) ?? failed.Destination;
        }

        // The new try counts in flight before the failed one stops, so a retired cluster's client outlives the move.
        var attempt = call.BeginAttempt(next, destination, verdict.Reason);
        failed.Release();
        return CreateRetryRequest(request, call, attempt, callerContent, plan.Replay, cancellationToken);
    }

    private readonly record struct RetryPlan(ClusterState? Next, ReplayState Replay, TimeSpan Delay, bool DeadlineTooShort);
}
