using System.Buffers.Binary;

namespace MeshProxy.TestSupport;

/// <summary>
/// gRPC length-prefixed messages as tests write and read them (PROTOCOL-HTTP2.md, Length-Prefixed-Message: a flag byte,
/// a 4-byte big-endian length, the payload), uncompressed.
/// </summary>
public static class GrpcFrames
{
    public const int PrefixLength = 5;

    /// <summary>One uncompressed message carrying <paramref name="payload"/>.</summary>
    public static byte[] Frame(ReadOnlySpan<byte> payload)
    {
        var frame = new byte[PrefixLength + payload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(frame.AsSpan(PrefixLength));
        return frame;
    }

    /// <summary>The payloads of a whole body of uncompressed messages; throws on a compressed or truncated one.</summary>
    public static List<byte[]> Payloads(ReadOnlySpan<byte> body)
    {
        var payloads = new List<byte[]>();
        while (!body.IsEmpty)
        {
            if (body.Length < PrefixLength || body[0] != 0)
            {
                throw new InvalidDataException($"not an uncompressed message prefix at {body.Length} bytes from the end");
            }

            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(body[1..]);
            payloads.Add(body.Slice(PrefixLength, length).ToArray());
            body = body[(PrefixLength + length)..];
        }

        return payloads;
    }
}
