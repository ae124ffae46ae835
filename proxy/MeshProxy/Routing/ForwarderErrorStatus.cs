using MeshProxy.Grpc;
using Yarp.ReverseProxy.Forwarder;

namespace MeshProxy.Routing;

/// <summary>
/// The gRPC status for a forwarding failure (<see cref="ForwarderError"/>) decided before the response started. Every
/// upstream-side failure is UNAVAILABLE, the status gRPC clients treat as transient (gRPC doc/statuscodes.md: "the
/// service is currently unavailable ... may be corrected by retrying"), as Envoy answers connect failures and resets
/// before headers.
/// </summary>
internal static class ForwarderErrorStatus
{
    public static (StatusCode Code, string Message) For(ForwarderError error, string cluster) => error switch
    {
        ForwarderError.RequestTimedOut => (StatusCode.Unavailable, $"upstream {cluster}: stream idle timeout"),
        ForwarderError.NoAvailableDestinations => (StatusCode.Unavailable, $"upstream {cluster}: no available destination"),
        ForwarderError.RequestBodyClient => (StatusCode.Cancelled, "the request body could not be read from the caller"),
        _ => (StatusCode.Unavailable, $"upstream {cluster} unavailable ({error})"),
    };
}
