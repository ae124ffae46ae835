using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace MeshProxy.Routing;

/// <summary>
/// What stands between the forwarder and the caller's response for one forwarded call: the body written behind
/// (<see cref="WriteBehindBody"/>), under the guard that gives a cut stream its reset code (<see cref="DownstreamGuard"/>).
/// </summary>
/// <remarks>
/// Both features are read once and each is set once: every read is a generic interface call on the server's feature
/// collection, and every write makes the request's cached feature views read theirs again.
/// </remarks>
internal static class CallerResponse
{
    public static (WriteBehindBody? WriteBehind, DownstreamGuard? Guard) Install(HttpContext context, CancellationToken deadline)
    {
        var features = context.Features;
        var reset = features.Get<IHttpResetFeature>();
        var body = features.Get<IHttpResponseBodyFeature>();
        var writeBehind = WriteBehindBody.Over(context.Request, reset, body);
        var guard = DownstreamGuard.Over(reset, writeBehind ?? body, deadline);
        if (guard is not null)
        {
            features.Set<IHttpResetFeature>(guard);
        }

        if (guard is { WatchesBody: true })
        {
            features.Set<IHttpResponseBodyFeature>(guard);
        }
        else if (writeBehind is not null)
        {
            features.Set<IHttpResponseBodyFeature>(writeBehind);
        }

        return (writeBehind, guard);
    }
}
