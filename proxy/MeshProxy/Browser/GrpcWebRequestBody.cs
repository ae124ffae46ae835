using System.Buffers;
using System.Buffers.Text;
using MeshProxy.Grpc;
using MeshProxy.Grpc.Framing;
using Microsoft.AspNetCore.Http;

namespace MeshProxy.Browser;

/// <summary>
/// Reads a gRPC-Web request body whole, within a limit, decoding <c>grpc-web-text</c> (PROTOCOL-WEB.md: base64,
/// possibly several padded chunks one after another), and checks that it is whole length-prefixed messages. A browser
/// sends the whole body at once (fetch and XHR have no request streams), so unary and server-streaming calls lose
/// nothing by it, and a malformed body is refused with a gRPC status before anything goes upstream.
/// </summary>
internal static class GrpcWebRequestBody
{
    /// <summary>The decoded frames, or the status to refuse the call with.</summary>
    public static async Task<(byte[]? Frames, StatusCode Code, string? Error)> ReadAsync(HttpRequest request, bool text, int maxMessageBytes)
    {
        // Base64 takes 4 characters per 3 bytes; the prefix adds 5 bytes per message.
        long limit = (long)maxMessageBytes + GrpcProtocol.MessagePrefixLength;
        if (text)
        {
            limit = (limit + 2) / 3 * 4;
        }

        var (read, code, error) = await WholeRequestBody.ReadAsync(request, limit).ConfigureAwait(false);
        if (read is not { } body)
        {
            return (null, code, error);
        }

        if (text)
        {
            if (Decode(body) is not { } decoded)
            {
                return (null, StatusCode.InvalidArgument, "the grpc-web-text request body is not valid base64");
            }

            body = decoded;
        }

        return CheckFrames(body, maxMessageBytes) is { } invalid ? (null, invalid.Code, invalid.Message) : (body, StatusCode.OK, null);
    }

    /// <summary>Decodes base64 made of one or more chunks, each ending at its padding; null when it is not that.</summary>
    internal static byte[]? Decode(ReadOnlySpan<byte> text)
    {
        if (text.Length % 4 != 0)
        {
            return null;
        }

        var output = new byte[text.Length / 4 * 3];
        var written = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i += 4)
        {
            var chunkEnds = text[i + 3] == (byte)'=' || i + 4 == text.Length;
            if (!chunkEnds)
            {
                continue;
            }

            var status = Base64.DecodeFromUtf8(text[start..(i + 4)], output.AsSpan(written), out var consumed, out var bytes);
            if (status != OperationStatus.Done || consumed != i + 4 - start)
            {
                return null;
            }

            written += bytes;
            start = i + 4;
        }

        return output[..written];
    }

    private static (StatusCode Code, string Message)? CheckFrames(ReadOnlySpan<byte> body, int maxMessageBytes)
    {
        if (body.IsEmpty)
        {
            return (StatusCode.Internal, "the request body holds no message");
        }

        while (!body.IsEmpty)
        {
            if (body.Length < GrpcProtocol.MessagePrefixLength)
            {
                return (StatusCode.Internal, "the request body ends inside a message prefix");
            }

            var (flag, length) = GrpcMessagePrefix.Read(body);
            if (flag > 1)
            {
                return (StatusCode.Internal, $"invalid compressed flag {flag} in the request body");
            }

            if (length > (uint)maxMessageBytes)
            {
                return (StatusCode.ResourceExhausted, $"a request message of {length} bytes is larger than the limit of {maxMessageBytes}");
            }

            if (body.Length - GrpcProtocol.MessagePrefixLength < length)
            {
                return (StatusCode.Internal, "the request body ends inside a message");
            }

            body = body[(GrpcProtocol.MessagePrefixLength + (int)length)..];
        }

        return null;
    }
}
