using MeshProxy.Grpc;
using MeshProxy.Observability;

namespace MeshProxy.TrafficPolicy.Retries;

/// <summary>
/// Hedging (gRFC A6, "Hedging Policy") for an idempotent call on a route with <c>hedging:</c>: while no try has
/// answered, another goes to a destination not tried yet every <c>delay</c>, up to <c>maxAttempts</c>; the first reply
/// that is not a non-fatal status wins and every other try is cancelled (RST_STREAM CANCEL upstream).
/// </summary>
/// <remarks>
/// A hedge replays the caller's whole body, so one is sent only once the first try has read it to its end
/// (<see cref="ReplayBody.Settled"/>); until then the delay starts again. A try that fails (a non-fatal status, a
/// transport failure) is recorded for passive health and lets the next hedge go at once; a loser that began before
/// the winner counts as a timeout of ours, and losers sent after it say nothing about their destination. Each hedge
/// takes the cluster's retry budget like a retry; a spent budget, or no destination left untried, stops hedging and
/// the tries already out run to their end.
/// </remarks>
internal sealed partial class RetryHandler
{
    private async Task<HttpResponseMessage> SendHedgedAsync(HttpRequestMessage request, ProxyCall call, CancellationToken cancellationToken)
    {
        var hedging = call.Hedging!;
        var time = call.Services.Time;
        var callerContent = RecordBody(request, call, cancellationToken);
        var running = new List<Hedge>(hedging.MaxAttempts) { StartHedge(request, call, call.Current!, cancellationToken) };
        var step = HedgeStep.Sent;
        (CallAttempt Attempt, Tried Tried)? lastFailure = null;
        using var pause = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            while (true)
            {
                // 1. Nothing running and no hedge may follow: the caller gets the last failure.
                var mayHedge = step != HedgeStep.Stop && call.AttemptCount < hedging.MaxAttempts;
                if (running.Count == 0 && !mayHedge)
                {
                    return GiveUpHedging(call, ref lastFailure);
                }

                // 2. Wait for a try to end, or for the hedging delay while another try may still go (a hedge waiting
                //    for the body polls every millisecond at least, so a zero delay does not spin).
                var wait = step == HedgeStep.Wait && hedging.Delay < MinHedgePoll ? MinHedgePoll : hedging.Delay;
                var delay = mayHedge ? Task.Delay(wait, time, pause.Token) : null;
                var ended = await WhenAnyAsync(running, delay).ConfigureAwait(false);
                if (ended is null)
                {
                    step = TryHedge(request, call, callerContent, running, cancellationToken);
                    continue;
                }

                // 3. The first reply that is not a non-fatal failure wins; the others are cancelled.
                running.Remove(ended);
                var tried = await ended.Try.ConfigureAwait(false);
                var verdict = JudgeHedge(hedging, tried);
                if (verdict.Committed)
                {
                    call.Choose(ended.Attempt);
                    RecordOvertaken(ended.Attempt, running);
                    return Commit(call, tried.Response!, verdict.Status);
                }

                // 4. A failed try: recorded, and the next hedge goes at once.
                ended.Attempt.Record(verdict.Outcome, verdict.LocalOrigin);
                ended.Attempt.Close(verdict.Status, time.GetElapsedTime(ended.Attempt.Started));
                ended.Attempt.Release();
                lastFailure?.Tried.Response?.Dispose();
                lastFailure = (ended.Attempt, tried);
                if (mayHedge)
                {
                    step = TryHedge(request, call, callerContent, running, cancellationToken);
                }
            }
        }
        finally
        {
            await pause.CancelAsync().ConfigureAwait(false);
            Abandon(call, running);
            lastFailure?.Tried.Response?.Dispose();
        }
    }

    /// <summary>
    /// Tries that began before the winner and are still waiting were overtaken: each counts as a timeout of ours
    /// against its destination (local-origin), so a destination that hangs is ejected instead of costing every call
    /// it takes a hedge. The winner's answer is noted first: it is the proof that the sidecar was not too slow, which
    /// warm-up reads (<see cref="ClusterAvailability.ShieldsTimeout"/>). Tries sent after the winner say nothing.
    /// </summary>
    private static void RecordOvertaken(CallAttempt winner, List<Hedge> running)
    {
        winner.Destination.NoteAnswered(winner.Started);
        foreach (var hedge in running)
        {
            if (hedge.Attempt.Started < winner.Started)
            {
                hedge.Attempt.Record(AttemptOutcome.ServerError, localOrigin: true);
            }
        }
    }

    /// <summary>Every try failed: the caller gets the last failure as the destination sent it.</summary>
    private static HttpResponseMessage GiveUpHedging(ProxyCall call, ref (CallAttempt Attempt, Tried Tried)? lastFailure)
    {
        var (attempt, tried) = lastFailure!.Value;
        lastFailure = null;
        call.Choose(attempt);
        call.Body.Commit();
        if (tried.Response is { } response)
        {
            return response;
        }

        tried.Failure!.Throw();
        return null!;
    }

    /// <summary>
    /// Sends the next hedge to a destination not tried yet. <see cref="HedgeStep.Wait"/> while the first try has not
    /// read the caller's whole body (the hedge replays it); <see cref="HedgeStep.Stop"/> when no more hedges may go (the
    /// body cannot be replayed, no destination is left, or the budget is spent).
    /// </summary>
    private HedgeStep TryHedge(HttpRequestMessage request, ProxyCall call, HttpContent? callerContent, List<Hedge> running, CancellationToken cancellationToken)
    {
        var replay = ReplayState.NotStarted;
        if (callerContent is not null)
        {
            switch (call.Body.Settled)
            {
                case ReplayState.NotStarted when running.Count == 0:
                    // No try ever read the body (they failed before sending it): this one reads it live.
                    break;
                case null or ReplayState.NotStarted:
                    return HedgeStep.Wait;
                case ReplayState.Complete:
                    replay = ReplayState.Complete;
                    break;
                default:
                    return HedgeStep.Stop;
            }
        }

        var cluster = call.Cluster;
        if (cluster.PickDestination(call.Tried()) is not { } destination)
        {
            return HedgeStep.Stop;
        }

        if (!call.TryTakeBudget(cluster, failure: null))
        {
            if (call.RetryBudgetExhaustedIn is not null)
            {
                TrafficPolicyLog.HedgeBudgetExhausted(call.Services.Logger, call.Route.Name, cluster.Name);
            }

            return HedgeStep.Stop;
        }

        var attempt = call.BeginAttempt(cluster, destination, "hedge");
        TrafficPolicyLog.HedgeSent(call.Services.Logger, call.Route.Name, attempt.Number, cluster.Name, destination.Name);
        var message = CreateRetryRequest(request, call, attempt, callerContent, replay, cancellationToken);
        running.Add(StartHedge(message, call, attempt, cancellationToken));
        return HedgeStep.Sent;
    }

    /// <summary>Starts one try under its own token, so cancelling a loser never touches the winner's stream.</summary>
    private Hedge StartHedge(HttpRequestMessage message, ProxyCall call, CallAttempt attempt, CancellationToken cancellationToken)
    {
        var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        call.Own(cancel);
        return new Hedge(attempt, cancel, SendOnceAsync(message, call, attempt, TimeSpan.Zero, cancel.Token).AsTask());
    }

    private static Verdict JudgeHedge(HedgingPolicy hedging, Tried tried)
    {
        if (tried.Response is { } response)
        {
            var status = TrailersOnlyStatus(response);
            return status is { } code && hedging.IsNonFatal(code)
                ? new Verdict(false, code, AttemptOutcomes.FromResponse((int)response.StatusCode, code), LocalOrigin: false, Retriable: true, StatusReason(code), default)
                : Verdict.Commit(status);
        }

        return new Verdict(false, StatusCode.Unavailable, AttemptOutcome.GatewayFailure, LocalOrigin: true, Retriable: true, Name(tried.FailureKind!.Value), default);
    }

    /// <summary>The first try to end, or null when <paramref name="delay"/> ended first.</summary>
    private static async Task<Hedge?> WhenAnyAsync(List<Hedge> running, Task? delay)
    {
        var tasks = new Task[running.Count + (delay is null ? 0 : 1)];
        for (var i = 0; i < running.Count; i++)
        {
            tasks[i] = running[i].Try;
        }

        if (delay is not null)
        {
            tasks[^1] = delay;
        }

        var ended = await Task.WhenAny(tasks).ConfigureAwait(false);
        return ReferenceEquals(ended, delay) ? null : running.Find(h => ReferenceEquals(h.Try, ended));
    }

    /// <summary>Cancels the tries that lost; each stops counting in flight and drops its response when it ends.</summary>
    private static void Abandon(ProxyCall call, List<Hedge> losers)
    {
        var time = call.Services.Time;
        foreach (var loser in losers)
        {
            loser.Cancel.Cancel();
            loser.Attempt.Close(StatusCode.Cancelled, time.GetElapsedTime(loser.Attempt.Started));
            _ = loser.Try.ContinueWith(
                static (task, state) =>
                {
                    ((CallAttempt)state!).Release();
                    if (task.IsCompletedSuccessfully)
                    {
                        task.Result.Response?.Dispose();
                    }
                    else
                    {
                        _ = task.Exception;
                    }
                },
                loser.Attempt,
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }

        losers.Clear();
    }

    private static readonly TimeSpan MinHedgePoll = TimeSpan.FromMilliseconds(1);

    private enum HedgeStep
    {
        Sent,
        Wait,
        Stop,
    }

    private sealed record Hedge(CallAttempt Attempt, CancellationTokenSource Cancel, Task<Tried> Try);
}
