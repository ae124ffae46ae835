using MeshProxy.Grpc;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace MeshProxy.Transcoding.Rest;

/// <summary>
/// Which HTTP headers of a REST call become gRPC metadata of the upstream call, and how upstream metadata comes back.
/// Only a chosen few go upstream (credentials and tracing, plus configured prefixes): a REST client's Accept, Cookie
/// or Content-Length say nothing to a gRPC server, and Envoy's transcoder forwards selectively the same way.
/// </summary>
internal static class RestHeaderMapping
{
    /// <summary>grpc-gateway's request header prefix: <c>Grpc-Metadata-Foo: x</c> reaches the upstream as metadata <c>foo: x</c>.</summary>
    public const string MetadataRequestPrefix = "grpc-metadata-";

    private static readonly string[] AlwaysForwarded = ["authorization", "x-request-id", "traceparent", "tracestate", GrpcProtocol.TimeoutHeader];

    /// <summary>Copies the forwarded request headers of <paramref name="source"/> into <paramref name="target"/>.</summary>
    public static void ToGrpc(IHeaderDictionary source, IHeaderDictionary target, IReadOnlyList<string> prefixes)
    {
        foreach (var (name, values) in source)
        {
            if (name.Length > MetadataRequestPrefix.Length && name.StartsWith(MetadataRequestPrefix, StringComparison.OrdinalIgnoreCase))
            {
                // grpc-gateway runtime/context_test.go: Grpc-Metadata-FooBar becomes "foobar". The protocol's own headers
                // (grpc-timeout, content-type, te, ...) cannot be smuggled in this way.
                var key = name[MetadataRequestPrefix.Length..].ToLowerInvariant();
                if (!GrpcProtocol.IsReservedHeader(key) && !IsHopByHop(key))
                {
                    target[key] = StringValues.Concat(target[key], values);
                }
            }
            else if (IsForwarded(name, prefixes))
            {
                var key = name.ToLowerInvariant();
                target[key] = StringValues.Concat(target[key], values);
            }
        }
    }

    /// <summary>
    /// Copies upstream metadata (response headers or trailers) onto the REST response as <c>prefix + key</c>.
    /// Protocol headers (grpc-*, content-type, ...) are not metadata and stay behind.
    /// </summary>
    public static void FromGrpc(IHeaderDictionary upstream, IHeaderDictionary response, string prefix)
    {
        foreach (var (name, values) in upstream)
        {
            if (!GrpcProtocol.IsReservedHeader(name) && !IsHopByHop(name))
            {
                var key = string.Concat(prefix, name.ToLowerInvariant());
                response[key] = StringValues.Concat(response[key], values);
            }
        }
    }

    private static bool IsForwarded(string name, IReadOnlyList<string> prefixes)
    {
        foreach (var always in AlwaysForwarded)
        {
            if (name.Equals(always, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        if (GrpcProtocol.IsReservedHeader(name) || IsHopByHop(name))
        {
            return false;
        }

        foreach (var prefix in prefixes)
        {
            if (name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsHopByHop(string name) =>
        name.Equals("trailer", StringComparison.OrdinalIgnoreCase)
        || name.Equals("expect", StringComparison.OrdinalIgnoreCase)
        || name.Equals("accept-encoding", StringComparison.OrdinalIgnoreCase)
        || name.Equals("content-encoding", StringComparison.OrdinalIgnoreCase);
}
