using System.Buffers;
using System.IO.Compression;
using Google.Protobuf;

namespace MeshProxy.Grpc.Framing;

/// <summary>Writes one length-prefixed message into a buffer writer (a PipeWriter on the server, a buffer on the client).</summary>
internal static class GrpcFrameWriter
{
    /// <summary>
    /// Serializes <paramref name="message"/> with its prefix; compresses it when <paramref name="encoding"/> names an
    /// algorithm. A message over <paramref name="maxMessageSize"/> is RESOURCE_EXHAUSTED, and nothing is written.
    /// </summary>
    public static void Write(IBufferWriter<byte> writer, IMessage message, int maxMessageSize, string? encoding, CompressionLevel level)
    {
        var size = message.CalculateSize();
        if (size > maxMessageSize)
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted, $"Sending message larger than max ({size} vs. {maxMessageSize})."));
        }

        if (!GrpcCompression.IsCompressing(encoding))
        {
            var span = writer.GetSpan(GrpcProtocol.MessagePrefixLength + size);
            GrpcMessagePrefix.Write(span, compressed: false, (uint)size);
            message.WriteTo(span.Slice(GrpcProtocol.MessagePrefixLength, size));
            writer.Advance(GrpcProtocol.MessagePrefixLength + size);
            return;
        }

        var serialized = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            message.WriteTo(serialized.AsSpan(0, size));
            using var compressed = new MemoryStream();
            GrpcCompression.Compress(encoding!, serialized.AsSpan(0, size), compressed, level);
            var body = compressed.GetBuffer().AsSpan(0, (int)compressed.Length);
            var span = writer.GetSpan(GrpcProtocol.MessagePrefixLength + body.Length);
            GrpcMessagePrefix.Write(span, compressed: true, (uint)body.Length);
            body.CopyTo(span[GrpcProtocol.MessagePrefixLength..]);
            writer.Advance(GrpcProtocol.MessagePrefixLength + body.Length);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(serialized);
        }
    }
}
