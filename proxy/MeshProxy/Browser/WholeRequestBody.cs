using System.Buffers;
using MeshProxy.Grpc;
using Microsoft.AspNetCore.Http;

namespace MeshProxy.Browser;

/// <summary>
/// Reads a browser call's request body whole, refusing it as RESOURCE_EXHAUSTED past a limit before buffering more.
/// gRPC-Web and Connect unary and server-streaming calls carry one message, and browsers send bodies whole.
/// </summary>
internal static class WholeRequestBody
{
    public static async Task<(byte[]? Body, StatusCode Code, string? Error)> ReadAsync(HttpRequest request, long limit)
    {
        if (request.ContentLength > limit)
        {
            return (null, StatusCode.ResourceExhausted, $"the request body of {request.ContentLength} bytes is larger than the limit of {limit}");
        }

        try
        {
            using var buffer = new MemoryStream();
            var chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
            try
            {
                int read;
                while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted).ConfigureAwait(false)) > 0)
                {
                    if (buffer.Length + read > limit)
                    {
                        return (null, StatusCode.ResourceExhausted, $"the request body is larger than the limit of {limit} bytes");
                    }

                    buffer.Write(chunk, 0, read);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(chunk);
            }

            return (buffer.ToArray(), StatusCode.OK, null);
        }
        catch (BadHttpRequestException ex)
        {
            return (null, StatusCode.InvalidArgument, $"the request body could not be read: {ex.Message}");
        }
    }
}
