using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using MeshProxy.Configuration;
using MeshProxy.Grpc;
using MeshProxy.Upstream;

namespace MeshProxy.TrafficPolicy.Retries;

/// <summary>One try: send it, and judge what came back.</summary>
internal sealed partial class RetryHandler
{
    private const long RefusedStreamErrorCode = 0x7;

    /// <summary>
    /// The first try's request content becomes the pump that records the caller's body (<see cref="LiveBodyContent"/>);
    /// returns the caller's original content, which later tries copy their content headers from.
    /// </summary>
    private static HttpContent? RecordBody(HttpRequestMessage request, ProxyCall call, CancellationToken forwarderToken)
    {
        var callerContent = request.Content;
        if (callerContent is not null)
        {
            request.Content = new LiveBodyContent(callerContent, call.Body, call.RequestBody, forwarderToken);
        }

        return callerContent;
    }

    /// <summary>
    /// Sends <paramref name="message"/> for <paramref name="attempt"/>: a retry, or a hedge. The per-try timeout (none
    /// when zero, or when it is not shorter than the time left: <see cref="ProxyCall.TryTimeoutFor"/>) runs until
    /// response headers; after that the call's deadline governs. A transport failure and the per-try timeout come back
    /// as values (<see cref="IsTryFailure"/>); a cancellation by <paramref name="cancellationToken"/> (caller, deadline)
    /// is thrown. The first try of a retried call is sent the same way, inline in <see cref="SendWithRetriesAsync"/>.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<Tried> SendOnceAsync(HttpRequestMessage message, ProxyCall call, CallAttempt attempt, TimeSpan perTryTimeout, CancellationToken cancellationToken)
    {
        var cluster = attempt.Cluster;
        var perTry = call.TryTimeoutFor(perTryTimeout, cancellationToken);
        try
        {
            // Tries in the cluster the forwarder called go straight to this handler's inner one; others to their cluster's.
            var response = await (ReferenceEquals(cluster, call.First!.Cluster) ? this : cluster.Client.Retries).SendTryAsync(message, call, perTry?.Token ?? cancellationToken).ConfigureAwait(false);
            perTry?.Stop();
            return new Tried(response, null, null, PerTryTimedOut: false);
        }
        catch (Exception ex) when (IsTryFailure(ex, perTry, cancellationToken))
        {
            return TriedFailure(ex, perTry);
        }
    }

    /// <summary>
    /// Whether a try's exception is the try's own failure, returned as a value: its per-try timeout, or a transport
    /// failure retryOn can name. A cancellation of the call itself (caller, deadline) is not, and is thrown on.
    /// </summary>
    private static bool IsTryFailure(Exception exception, TryTimeout? perTry, CancellationToken call) =>
        !call.IsCancellationRequested && (PerTryTimedOut(exception, perTry) || Classify(exception) is not null);

    private static Tried TriedFailure(Exception exception, TryTimeout? perTry) =>
        PerTryTimedOut(exception, perTry)
            ? new Tried(null, null, null, PerTryTimedOut: true)
            : new Tried(null, ExceptionDispatchInfo.Capture(exception), Classify(exception), PerTryTimedOut: false);

    private static bool PerTryTimedOut(Exception exception, TryTimeout? perTry) =>
        exception is OperationCanceledException && perTry is { IsCancellationRequested: true };

    /// <summary>What a try says: committed (the caller's), or a failure with its outcome, status and retry reason.</summary>
    private static Verdict Judge(ProxyCall call, Tried tried)
    {
        if (tried.Response is { } response)
        {
            // A6: a response whose headers lack grpc-status has committed; so has a status the policy does not retry.
            var status = TrailersOnlyStatus(response);
            if (status is null || !call.Route.Retry.RetriesStatus(status.Value))
            {
                return Verdict.Commit(status);
            }

            return new Verdict(false, status.Value, AttemptOutcomes.FromResponse((int)response.StatusCode, status), LocalOrigin: false, Retriable: true, StatusReason(status.Value), RetryPushback.Read(response));
        }

        if (tried.PerTryTimedOut)
        {
            // Envoy retries a per-try timeout whatever retryOn says: the try, not the call, ran out of time.
            return new Verdict(false, StatusCode.DeadlineExceeded, AttemptOutcome.ServerError, LocalOrigin: true, Retriable: true, "per-try-timeout", default);
        }

        var kind = tried.FailureKind!.Value;
        return new Verdict(false, StatusCode.Unavailable, AttemptOutcome.GatewayFailure, LocalOrigin: true, call.MayRetry(kind), Name(kind), default);
    }

    /// <summary>The caller gets <paramref name="response"/>; a call that needed more than one try counts as a retry that paid off.</summary>
    private static HttpResponseMessage Commit(ProxyCall call, HttpResponseMessage response, StatusCode? status)
    {
        if (call.AttemptCount > 1 && status is null or StatusCode.OK)
        {
            call.RetrySucceeded = true;
        }

        call.Body.Commit();
        return response;
    }

    private static HttpRequestMessage CreateRetryRequest(HttpRequestMessage original, ProxyCall call, CallAttempt attempt, HttpContent? callerContent, ReplayState replay, CancellationToken forwarderToken)
    {
        var caller = call.HttpContext.Request;
        var request = new HttpRequestMessage(original.Method, attempt.Destination.Uris.For(caller.Path, caller.QueryString))
        {
            Version = original.Version,
            VersionPolicy = original.VersionPolicy,
        };
        call.Own(request);
        foreach (var header in original.Headers)
        {
            if (!header.Key.Equals(PreviousAttemptsHeader, StringComparison.OrdinalIgnoreCase))
            {
                request.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }

        request.Headers.TryAddWithoutValidation(PreviousAttemptsHeader, (attempt.Number - 1).ToString(CultureInfo.InvariantCulture));
        call.PrepareAttempt(attempt, request);
        if (callerContent is not null)
        {
            request.Content = replay == ReplayState.Complete && call.Body.Lease() is { } lease
                ? new ReplayContent(lease, callerContent)
                : new LiveBodyContent(callerContent, call.Body, call.RequestBody, forwarderToken);
        }

        return request;
    }

    // Read unparsed (every response passes here, and the typed TryGetValues parses under a lock), wherever the client kept it.
    private static StatusCode? TrailersOnlyStatus(HttpResponseMessage response) =>
        UpstreamResponseFields.First(response, GrpcProtocol.StatusHeader) is { } value && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var code)
            ? (StatusCode)code
            : null;

    private static RetryOn? Classify(Exception exception)
    {
        for (var ex = exception; ex is not null; ex = ex.InnerException)
        {
            if (ex is HttpProtocolException { ErrorCode: RefusedStreamErrorCode } or BodyPumpedException)
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

    /// <summary>What one send came back with: a response, a transport failure (and its retryOn kind), or the per-try timeout.</summary>
    private readonly record struct Tried(HttpResponseMessage? Response, ExceptionDispatchInfo? Failure, RetryOn? FailureKind, bool PerTryTimedOut);

    /// <summary>
    /// A try judged: <see cref="Committed"/> (the caller's, with its Trailers-Only status if any), or a failure with the
    /// status it counts as, its outlier outcome, whether it was local-origin, whether it may be retried and why.
    /// </summary>
    private readonly record struct Verdict(
        bool Committed,
        StatusCode Status,
        AttemptOutcome Outcome,
        bool LocalOrigin,
        bool Retriable,
        string Reason,
        (PushbackKind Kind, TimeSpan Delay) Pushback)
    {
        public static Verdict Commit(StatusCode? status) => new(true, status ?? StatusCode.OK, AttemptOutcome.Success, false, false, string.Empty, default);
    }
}
