using MeshProxy.Grpc;
using MeshProxy.TrafficPolicy;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Yarp.ReverseProxy.Forwarder;

namespace MeshProxy.Routing;

/// <summary>Reads what a finished forward said about its destination (see <see cref="AttemptOutcomes"/>).</summary>
internal static class ForwardedOutcome
{
    /// <summary>The attempt's outcome, or null when the caller went away and the attempt says nothing.</summary>
    public static AttemptOutcome? Classify(HttpContext context, ForwarderError error, bool deadlineExpired)
    {
        if (deadlineExpired)
        {
            return AttemptOutcome.ServerError;
        }

        if (context.RequestAborted.IsCancellationRequested)
        {
            return null;
        }

        if (error != ForwarderError.None)
        {
            // A destination that answers before reading the whole request body (a Trailers-Only error, as gRPC servers
            // send) makes the forwarder report a request-body error after a complete answer; the grpc-status is what it said.
            return error is ForwarderError.RequestBodyClient or ForwarderError.RequestBodyDestination or ForwarderError.RequestBodyCanceled
                && GrpcStatus(context) is { } answered
                ? AttemptOutcomes.FromGrpcStatus(answered)
                : AttemptOutcomes.FromForwarderError(error);
        }

        return AttemptOutcomes.FromResponse(context.Response.StatusCode, GrpcStatus(context));
    }

    /// <summary>
    /// Whether a classified attempt failed without an answer from the destination (the deadline cut it, or the
    /// forwarder got no response): outlier detection may count such local-origin failures apart (Envoy's
    /// split_external_local_origin_errors). An answer, even a failing one, is not local-origin.
    /// </summary>
    public static bool IsLocalOrigin(HttpContext context, ForwarderError error, bool deadlineExpired) =>
        deadlineExpired || (error is ForwarderError.Request or ForwarderError.RequestTimedOut && GrpcStatus(context) is null);

    /// <summary>The grpc-status the destination sent, in headers (Trailers-Only) or trailers; null when none.</summary>
    public static StatusCode? GrpcStatus(HttpContext context)
    {
        var value = context.Response.Headers.GrpcStatus;
        if (value.Count == 0 && context.Features.Get<IHttpResponseTrailersFeature>()?.Trailers is { } trailers)
        {
            value = trailers.GrpcStatus;
        }

        return value.Count > 0 && int.TryParse(value[0], out var code) && code >= 0 ? (StatusCode)code : null;
    }
}
