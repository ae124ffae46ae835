namespace MeshProxy.TrafficPolicy;

/// <summary>
/// What one forwarding attempt says about the health of the destination that served it: the input of outlier
/// detection. Classified by <see cref="AttemptOutcomes"/>; recorded once per attempt with
/// <see cref="DestinationState.Record"/>. An attempt the caller cancelled says nothing and is not recorded.
/// </summary>
internal enum AttemptOutcome
{
    /// <summary>The destination answered as a service: OK or an application status (INVALID_ARGUMENT, NOT_FOUND...).</summary>
    Success,

    /// <summary>INTERNAL, UNKNOWN, DATA_LOSS, DEADLINE_EXCEEDED, no grpc-status at all, or an HTTP 5xx other than 502/503/504.</summary>
    ServerError,

    /// <summary>UNAVAILABLE, a connect failure, a reset, or HTTP 502/503/504; also counts as a server error.</summary>
    GatewayFailure,
}
