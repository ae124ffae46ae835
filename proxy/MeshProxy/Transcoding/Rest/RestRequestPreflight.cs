using MeshProxy.Grpc;
using MeshProxy.Transcoding.Rules;
using Microsoft.AspNetCore.Http;

namespace MeshProxy.Transcoding.Rest;

/// <summary>
/// Checks of a matched REST request made before its body is read: headers the gRPC side would otherwise misread.
/// </summary>
internal static class RestRequestPreflight
{
    /// <summary>Null when the call may go ahead; otherwise the refusal (400 or 415).</summary>
    public static RequestBuildError? Check(HttpRequest request, HttpBinding binding)
    {
        // 1. grpc-timeout (PROTOCOL-HTTP2.md, Timeout): a value outside the grammar would be dropped by the gRPC side and
        //    the call would run with no deadline at all, the opposite of what the caller asked for. grpc-gateway answers
        //    InvalidArgument "invalid grpc-timeout" (runtime/context.go) (issue 12).
        if (request.Headers.TryGetValue(GrpcProtocol.TimeoutHeader, out var timeout)
            && (timeout.Count != 1 || !GrpcTimeout.TryParse(timeout[0], out _)))
        {
            return RequestBuildError.BadRequest($"invalid grpc-timeout \"{timeout}\": expected 1 to 8 digits and a unit (H, M, S, m, u or n), once");
        }

        // 2. A streamed JSON body is split as it arrives, as UTF-8; a whole body in another charset is converted by
        //    RequestMessageBuilder, a stream is refused rather than misread.
        if (binding.ClientStreaming && !RequestMessageBuilder.IsHttpBodyBinding(binding)
            && (JsonBodyCharset.Find(request.ContentType, out var unsupported) is not null || unsupported is not null))
        {
            return new RequestBuildError(StatusCodes.Status415UnsupportedMediaType, $"a streamed request body must be UTF-8 JSON, not {request.ContentType}");
        }

        return null;
    }
}
