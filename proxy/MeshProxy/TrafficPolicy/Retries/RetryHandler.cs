using System.Globalization;
using System.Runtime.ExceptionServices;
using MeshProxy.Configuration;
using MeshProxy.Grpc;
using MeshProxy.Observability;

namespace MeshProxy.TrafficPolicy.Retries;

/// <summary>
/// The attempt loop of gRPC-aware retries (gRPC A6 semantics, Envoy's retry policy knobs), inside each cluster's
/// <see cref="HttpMessageInvoker"/>. YARP only ever sees the final attempt's response, so nothing of a failed try
/// (headers included) reaches the caller, and YARP itself stays untouched.
/// </summary>
/// <remarks>
/// A request without a <see cref="RetryCall"/> option (a route that does not retry, or a retry this handler sends
/// through another cluster's client) passes straight through. Otherwise, per attempt:
/// <list type="number">
/// <item>Send, under the per-try timeout when the route has one (it covers the wait for response headers).</item>
/// <item>A response without <c>grpc-status</c> in its headers has committed (A6: the server sent headers, maybe
/// messages): it is returned. So is a Trailers-Only reply whose status the policy does not retry. Transport
/// failures (connect failure, refused stream, reset) and a per-try timeout are retriable by their own names.</item>
/// <item>A retriable failure is retried unless: the attempts are used up; the server's pushback is negative or
/// malformed; the request body cannot be replayed (see <see cref="ReplayBody"/>); the cluster's retry budget is
/// exhausted (a retry after a connect failure or a refused stream takes no slot: <see cref="RetryBudget.TakesSlot"/>); or the call's deadline ends before the next attempt could start (the caller then gets
/// DEADLINE_EXCEEDED at once).</item>
/// <item>Retrying: the failed attempt is recorded for passive health, the next destination is one not yet tried
/// (<see cref="ClusterState.PickDestination(IReadOnlyList{DestinationState})"/>), in the same cluster unless the
/// route allows failover; the wait is the pushback exactly, else the jittered backoff; the new request carries
/// <c>grpc-previous-rpc-attempts</c> and a <c>grpc-timeout</c> of the time left.</item>
/// </list>
/// A caller cancel (or the deadline) during the backoff ends the loop with the cancellation: nothing more is
/// recorded. The last attempt's outcome is recorded by the endpoint once the call has ended, unless this loop did
/// (<see cref="RetryCall.LastAttemptRecorded"/>).
/// </remarks>
internal sealed class RetryHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    /// <summary>The number of earlier attempts, sent on every retry (gRPC A6, "Retry attempt header").</summary>
    public const string PreviousAttemptsHeader = "grpc-previous-rpc-attempts";

    private const long RefusedStreamErrorCode = 0x7;

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        request.Options.TryGetValue(RetryCall.OptionKey, out var call)
            ? SendWithRetriesAsync(request, call, cancellationToken)
            : base.SendAsync(request, cancellationToken);

    private static RetryOn? Classify(Exception exception)
    {
        for (var ex = exception; ex is not null; ex = ex.InnerException)
        {
            if (ex is HttpProtocolException { ErrorCode: RefusedStreamErrorCode })
            {
                return RetryOn.RefusedStream;
            }
        }

        return exception switch
        {
            HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError } => RetryOn.ConnectFailure,
            HttpRequestException or HttpProtocolException or IOException => RetryOn.Reset,
            _ => null,
        };
    }

    private static string Name(RetryOn failure) => failure switch
    {
        RetryOn.ConnectFailure => "connect-failure",
        RetryOn.RefusedStream => "refused-stream",
        _ => "reset",
    };

    /// <summary>The retryOn name of a retried status: a bounded metric label.</summary>
    private static string StatusReason(StatusCode status) => status switch
    {
        StatusCode.Cancelled => "cancelled",
        StatusCode.DeadlineExceeded => "deadline-exceeded",
        StatusCode.ResourceExhausted => "resource-exhausted",
        StatusCode.Internal => "internal",
        StatusCode.Unavailable => "unavailable",
        _ => "other",
    };

    private async Task<HttpResponseMessage> SendWithRetriesAsync(HttpRequestMessage request, RetryCall call, CancellationToken cancellationToken)
    {
        var policy = call.Policy;
        var callerContent = request.Content;
        if (callerContent is not null)
        {
            request.Content = new LiveBodyContent(callerContent, call.Body);
        }

        var attempt = request;
        while (true)
        {
            // 1. Send. The per-try timer runs until response headers; after that the call's deadline governs.
            var attemptStart = call.Time.GetTimestamp();
            HttpResponseMessage? response = null;
            ExceptionDispatchInfo? failure = null;
            RetryOn? failureKind = null;
            var perTryTimedOut = false;
            using (var perTry = policy.Config.PerTryTimeout > TimeSpan.Zero ? new CancellationTokenSource(policy.Config.PerTryTimeout, call.Time) : null)
            {
                var token = cancellationToken;
                if (perTry is not null)
                {
                    var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, perTry.Token);
                    call.Own(linked);
                    token = linked.Token;
                }

                try
                {
                    response = ReferenceEquals(call.Cluster, call.FirstCluster)
                        ? await base.SendAsync(attempt, token).ConfigureAwait(false)
                        : await call.Cluster.Client.SendAsync(attempt, token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (perTry?.IsCancellationRequested == true && !cancellationToken.IsCancellationRequested)
                {
                    perTryTimedOut = true;
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested && Classify(ex) is { } kind)
                {
                    failure = ExceptionDispatchInfo.Capture(ex);
                    failureKind = kind;
                }
            }

            // 2. Classify. A response whose headers lack grpc-status has committed (A6), as has a status not retried.
            AttemptOutcome outcome;
            bool retriable;
            string reason;
            var attemptStatus = StatusCode.Unavailable;
            var pushback = (Kind: PushbackKind.None, Delay: TimeSpan.Zero);
            if (response is not null)
            {
                var status = TrailersOnlyStatus(response);
                if (status is null || !policy.RetriesStatus(status.Value))
                {
                    // A retried call whose last attempt committed or ended OK: the retry paid off.
                    if (call.Attempts > 1 && status is null or StatusCode.OK)
                    {
                        call.Metrics?.RecordRetrySuccess(call.Route, call.Cluster.Name);
                    }

                    call.Body.Commit();
                    return response;
                }

                outcome = AttemptOutcomes.FromResponse((int)response.StatusCode, status);
                retriable = true;
                reason = StatusReason(status.Value);
                attemptStatus = status.Value;
                pushback = RetryPushback.Read(response);
            }
            else if (perTryTimedOut)
            {
                // Envoy retries a per-try timeout whatever retryOn says: the try, not the call, ran out of time.
                outcome = AttemptOutcome.ServerError;
                retriable = true;
                reason = "per-try-timeout";
                attemptStatus = StatusCode.DeadlineExceeded;
            }
            else
            {
                outcome = AttemptOutcome.GatewayFailure;
                retriable = policy.Retries(failureKind!.Value);
                reason = Name(failureKind.Value);
            }

            // 3. May it be retried?
            var next = retriable && call.Attempts < policy.MaxAttempts ? call.NextCluster() : null;
            if (next is not null && pushback.Kind == PushbackKind.Stop)
            {
                TrafficPolicyLog.RetryPushbackStop(call.Logger, call.Route, call.Destination.Name, string.Join(',', response!.Headers.GetValues(RetryPushback.Header)));
                next = null;
            }

            var replay = ReplayState.NotStarted;
            if (next is not null)
            {
                replay = await call.Body.SettleAsync(cancellationToken).ConfigureAwait(false);
                if (replay is ReplayState.Incomplete or ReplayState.TooLarge)
                {
                    TrafficPolicyLog.RetryBodyNotReplayable(call.Logger, call.Route, replay.ToString());
                    next = null;
                }
            }

            var delay = pushback.Kind == PushbackKind.Delay ? pushback.Delay : policy.Backoff(call.Attempts, call.Random);
            if (next is not null && call.Remaining() is { } remaining && remaining <= delay)
            {
                // No attempt may start after the caller's deadline: end now with the status the caller would get.
                TrafficPolicyLog.RetryDeadlineTooShort(call.Logger, call.Route, remaining, delay);
                call.RecordAttempt(outcome);
                call.Body.Commit();
                response?.Dispose();
                return TrailersOnlyResponse.Create(request, StatusCode.DeadlineExceeded, "deadline exceeded at the proxy");
            }

            if (next is not null && !call.TryAcquireBudget(next, failureKind))
            {
                TrafficPolicyLog.RetryBudgetExhausted(call.Logger, call.Route, next.Name, next.RetryBudget.InFlight, reason);
                call.Metrics?.RecordRetryBudgetExhausted(call.Route, next.Name);
                next = null;
            }

            if (next is null)
            {
                // 4. Give up: the failure goes to the caller as the destination sent it (the endpoint records it).
                call.Body.Commit();
                if (response is not null)
                {
                    return response;
                }

                if (perTryTimedOut)
                {
                    call.RecordAttempt(outcome);
                    return TrailersOnlyResponse.Create(request, StatusCode.DeadlineExceeded, "per-try timeout at the proxy");
                }

                failure!.Throw();
            }

            // 5. Retry: record the failed try, wait, then move to a destination not tried yet.
            call.RecordAttempt(outcome);
            call.Metrics?.RecordAttempt(call.Route, call.Cluster.Name, call.Destination.Name, attemptStatus, call.Time.GetElapsedTime(attemptStart));
            call.Metrics?.RecordRetry(call.Route, next!.Name, reason);
            response?.Dispose();
            TrafficPolicyLog.RetryScheduled(call.Logger, call.Route, call.Attempts, call.Cluster.Name, call.Destination.Name, reason, delay);
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, call.Time, cancellationToken).ConfigureAwait(false);
            }

            var destination = next!.PickDestination(call.Tried);
            if (destination is null)
            {
                next = call.Cluster;
                destination = next.PickDestination(call.Tried) ?? call.Destination;
            }

            var previousAttempts = call.Attempts;
            call.MoveTo(next, destination);
            attempt = CreateRetryRequest(request, call, callerContent, replay, previousAttempts);
            call.Own(attempt);
        }
    }

    private static StatusCode? TrailersOnlyStatus(HttpResponseMessage response) =>
        response.Headers.TryGetValues(GrpcProtocol.StatusHeader, out var values)
            && int.TryParse(values.FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var code)
            ? (StatusCode)code
            : null;

    private static HttpRequestMessage CreateRetryRequest(HttpRequestMessage original, RetryCall call, HttpContent? callerContent, ReplayState replay, int previousAttempts)
    {
        var request = new HttpRequestMessage(original.Method, new Uri(call.Destination.Prefix + call.PathAndQuery))
        {
            Version = original.Version,
            VersionPolicy = original.VersionPolicy,
        };
        foreach (var header in original.Headers)
        {
            if (!header.Key.Equals(GrpcProtocol.TimeoutHeader, StringComparison.OrdinalIgnoreCase)
                && !header.Key.Equals(PreviousAttemptsHeader, StringComparison.OrdinalIgnoreCase))
            {
                request.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }

        request.Headers.TryAddWithoutValidation(PreviousAttemptsHeader, previousAttempts.ToString(CultureInfo.InvariantCulture));
        if (call.Remaining() is { } left)
        {
            request.Headers.TryAddWithoutValidation(GrpcProtocol.TimeoutHeader, GrpcTimeout.Format(left < TimeSpan.Zero ? TimeSpan.Zero : left));
        }

        if (callerContent is not null)
        {
            request.Content = replay == ReplayState.Complete && call.Body.Lease() is { } lease
                ? new ReplayContent(lease, callerContent)
                : new LiveBodyContent(callerContent, call.Body);
        }

        return request;
    }
}
