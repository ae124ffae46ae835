using MeshProxy.Grpc;
using Yarp.ReverseProxy.Forwarder;

namespace MeshProxy.TrafficPolicy;

/// <summary>
/// Classifies an attempt by Envoy's outlier-detection vocabulary, but reading <c>grpc-status</c> (which Envoy's
/// detector ignores): a gRPC backend that fails answers HTTP 200, so the HTTP status alone would call it healthy.
/// </summary>
internal static class AttemptOutcomes
{
    /// <summary>An attempt that got a complete HTTP response, with the grpc-status from its headers or trailers.</summary>
    public static AttemptOutcome FromResponse(int httpStatus, StatusCode? grpcStatus)
    {
        if (httpStatus is 502 or 503 or 504)
        {
            return AttemptOutcome.GatewayFailure;
        }

        if (httpStatus >= 500 || httpStatus != 200 || grpcStatus is null)
        {
            // A 200 without grpc-status is a broken gRPC server (PROTOCOL-HTTP2.md requires the status), and any other
            // non-200 is not a gRPC answer at all.
            return httpStatus is >= 400 and < 500 ? AttemptOutcome.Success : AttemptOutcome.ServerError;
        }

        return FromGrpcStatus(grpcStatus.Value);
    }

    public static AttemptOutcome FromGrpcStatus(StatusCode status) => status switch
    {
        StatusCode.Unavailable => AttemptOutcome.GatewayFailure,
        StatusCode.Internal or StatusCode.Unknown or StatusCode.DataLoss or StatusCode.DeadlineExceeded => AttemptOutcome.ServerError,
        _ => AttemptOutcome.Success,
    };

    /// <summary>
    /// The outcome of a forwarding failure, or null when the failure was the caller's (cancel, broken request body) and
    /// says nothing about the destination.
    /// </summary>
    public static AttemptOutcome? FromForwarderError(ForwarderError error) => error switch
    {
        ForwarderError.None => AttemptOutcome.Success,
        ForwarderError.Request or ForwarderError.RequestTimedOut or ForwarderError.RequestBodyDestination
            or ForwarderError.ResponseHeaders or ForwarderError.ResponseBodyDestination => AttemptOutcome.GatewayFailure,
        _ => null,
    };
}
