using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;

namespace MeshProxy.Protection;

/// <summary>
/// The REST listener's limits against stalled bodies and connection floods. The traffic Kestrel server turns its
/// server-wide minimum request-body data rate off, because a quiet gRPC stream is not a slow client; REST bodies are
/// whole requests, so each REST request gets the rate back here, per request (Kestrel's
/// <see cref="IHttpMinRequestBodyDataRateFeature"/>). A body slower than that fails its read with a 408
/// <see cref="Microsoft.AspNetCore.Http.BadHttpRequestException"/>, which the REST endpoint answers with a google.rpc.Status body, and the
/// upstream call is never started (the unary body is read whole before forwarding).
/// </summary>
internal static class RestListenerLimits
{
    /// <summary>Applies the per-request limits; call before the body is read.</summary>
    public static void Apply(HttpContext context, ProtectionOptions options)
    {
        if (options.RestMinBodyBytesPerSecond > 0
            && context.Features.Get<IHttpMinRequestBodyDataRateFeature>() is { } rate)
        {
            rate.MinDataRate = new MinDataRate(options.RestMinBodyBytesPerSecond, options.RestBodyGracePeriod);
        }
    }

    /// <summary>
    /// Bounds the listener's open connections: past <see cref="ProtectionOptions.RestMaxConnections"/>, a new
    /// connection is closed at once (Kestrel's own MaxConcurrentConnections is server-wide and would count the gRPC
    /// listener's connections too).
    /// </summary>
    public static void BoundConnections(ListenOptions listen, ProtectionOptions options)
    {
        if (options.RestMaxConnections <= 0)
        {
            return;
        }

        var open = 0;
        listen.Use(next => async connection =>
        {
            if (Interlocked.Increment(ref open) > options.RestMaxConnections)
            {
                Interlocked.Decrement(ref open);
                connection.Abort(new ConnectionAbortedException("the REST listener is at its connection limit"));
                return;
            }

            try
            {
                await next(connection).ConfigureAwait(false);
            }
            finally
            {
                Interlocked.Decrement(ref open);
            }
        });
    }
}
