using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;

namespace MeshProxy.TrafficPolicy;

/// <summary>
/// The upstream request URIs of one destination, by the caller's :path: made as YARP makes them
/// (<see cref="RequestUtilities.MakeDestinationAddress"/>) the first time a path is called, then the same
/// <see cref="Uri"/> for every call of that method. A <see cref="Uri"/> is immutable and computes its parts once, so a
/// shared one saves each call the address string, the parse, and the parts the HTTP/2 clients read (host, port,
/// :path): about 0.4 KB and 1 % of the CPU per call (docs/benchmarks.md, "The shared forwarding path, trimmed").
/// </summary>
/// <remarks>
/// gRPC methods are few, so the map stays small; it stops growing at <see cref="Limit"/> paths (a wildcard route
/// called with ever new method names), and a path past that, or any call with a query string (gRPC sends none), gets
/// a URI of its own as before.
/// </remarks>
internal sealed class UpstreamUris(string prefix)
{
    private const int Limit = 512;

    private readonly ConcurrentDictionary<string, Uri> _byPath = new(StringComparer.Ordinal);
    private int _count;

    public Uri For(PathString path, QueryString query)
    {
        if (query.HasValue || path.Value is not { Length: > 0 } key)
        {
            return RequestUtilities.MakeDestinationAddress(prefix, path, query);
        }

        if (_byPath.TryGetValue(key, out var uri))
        {
            return uri;
        }

        uri = RequestUtilities.MakeDestinationAddress(prefix, path, query);
        if (Volatile.Read(ref _count) < Limit && _byPath.TryAdd(key, uri))
        {
            Interlocked.Increment(ref _count);
        }

        return uri;
    }
}
