using System.Buffers;
using System.IO.Compression;
using System.IO.Pipelines;
using Google.Protobuf;

namespace MeshProxy.Grpc.Framing;

/// <summary>
/// Reads length-prefixed messages (PROTOCOL-HTTP2.md, Length-Prefixed-Message: a compressed flag byte, a 4-byte
/// big-endian length, the message) from a pipe. A prefix or message may arrive split over any number of reads; the
/// declared length is checked against the limit before anything is buffered.
/// </summary>
internal static class GrpcFrameReader
{
    /// <summary>Reads one message; null at a clean end of stream. Protocol violations throw <see cref="RpcException"/>.</summary>
    public static async ValueTask<T?> ReadMessageAsync<T>(PipeReader reader, MessageParser<T> parser, int maxMessageSize, string? encoding, CancellationToken cancellationToken)
        where T : class, IMessage<T>
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (result.IsCanceled)
            {
                reader.AdvanceTo(buffer.Start);
                throw new OperationCanceledException("The read was cancelled.");
            }

            bool complete;
            T? message;
            try
            {
                complete = TryReadMessage(ref buffer, parser, maxMessageSize, encoding, out message);
            }
            catch
            {
                reader.AdvanceTo(buffer.Start, buffer.End);
                throw;
            }

            if (complete)
            {
                reader.AdvanceTo(buffer.Start);
                return message;
            }

            if (result.IsCompleted)
            {
                var leftover = buffer.Length;
                reader.AdvanceTo(buffer.End);
                if (leftover == 0)
                {
                    return null;
                }

                throw new RpcException(new Status(StatusCode.Internal, "Incomplete message: the stream ended inside a length-prefixed message."));
            }

            // Nothing consumed, everything examined: the next read waits for more bytes.
            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>
    /// Tries to take one whole message from the front of <paramref name="buffer"/>; on success the buffer is sliced
    /// past it. False when more bytes are needed.
    /// </summary>
    internal static bool TryReadMessage<T>(ref ReadOnlySequence<byte> buffer, MessageParser<T> parser, int maxMessageSize, string? encoding, out T? message)
        where T : class, IMessage<T>
    {
        message = null;
        if (!GrpcMessagePrefix.TryRead(buffer, out var flag, out var length))
        {
            return false;
        }

        if (flag > 1)
        {
            throw new RpcException(new Status(StatusCode.Internal, $"Invalid compressed flag {flag} in a message prefix."));
        }

        if (length > (uint)maxMessageSize)
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted, $"Received message larger than max ({length} vs. {maxMessageSize})."));
        }

        if (buffer.Length < GrpcProtocol.MessagePrefixLength + length)
        {
            return false;
        }

        var payload = buffer.Slice(GrpcProtocol.MessagePrefixLength, length);
        message = flag == 1 ? ParseCompressed(payload, parser, maxMessageSize, encoding) : Parse(parser, payload);
        buffer = buffer.Slice(payload.End);
        return true;
    }

    private static T ParseCompressed<T>(in ReadOnlySequence<byte> payload, MessageParser<T> parser, int maxMessageSize, string? encoding)
        where T : class, IMessage<T>
    {
        // "A Compressed-Flag value of 1 indicates that the binary octet sequence of Message is compressed using the
        // mechanism declared by the Message-Encoding header"; without one the peer broke the protocol.
        if (!GrpcCompression.IsCompressing(encoding))
        {
            throw new RpcException(new Status(StatusCode.Internal, "Received a compressed message without a grpc-encoding that compresses."));
        }

        byte[] inflated;
        int length;
        try
        {
            if (!GrpcCompression.TryDecompress(encoding!, payload, maxMessageSize, out inflated, out length))
            {
                throw new RpcException(new Status(StatusCode.ResourceExhausted, $"Received message larger than max after decompression (max {maxMessageSize})."));
            }
        }
        catch (InvalidDataException)
        {
            throw new RpcException(new Status(StatusCode.Internal, $"Received a message that is not valid {encoding} data."));
        }

        return Parse(parser, new ReadOnlySequence<byte>(inflated, 0, length));
    }

    private static T Parse<T>(MessageParser<T> parser, in ReadOnlySequence<byte> payload)
        where T : class, IMessage<T>
    {
        try
        {
            return parser.ParseFrom(payload);
        }
        catch (InvalidProtocolBufferException)
        {
            throw new RpcException(new Status(StatusCode.Internal, "Failed to deserialize a received message."));
        }
    }
}
