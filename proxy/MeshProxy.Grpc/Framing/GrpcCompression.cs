using System.Buffers;
using System.IO.Compression;

namespace MeshProxy.Grpc.Framing;

/// <summary>
/// Message compression named by grpc-encoding (grpc/grpc doc/compression.md): identity, gzip (RFC 1952) and deflate,
/// which gRPC defines as the zlib format (RFC 1950).
/// </summary>
internal static class GrpcCompression
{
    public const string Identity = "identity";
    public const string Gzip = "gzip";
    public const string Deflate = "deflate";

    /// <summary>The value of grpc-accept-encoding we advertise.</summary>
    public const string AcceptEncoding = "identity,gzip,deflate";

    public static bool IsSupported(string? encoding) =>
        encoding is null || encoding.Equals(Identity, StringComparison.OrdinalIgnoreCase) || IsCompressing(encoding);

    /// <summary>True when the encoding names a real compression algorithm we implement.</summary>
    public static bool IsCompressing(string? encoding) =>
        encoding is not null && (encoding.Equals(Gzip, StringComparison.OrdinalIgnoreCase) || encoding.Equals(Deflate, StringComparison.OrdinalIgnoreCase));

    /// <summary>Normalizes to our constant, or null for identity / absent.</summary>
    public static string? Normalize(string? encoding) =>
        encoding switch
        {
            null => null,
            _ when encoding.Equals(Gzip, StringComparison.OrdinalIgnoreCase) => Gzip,
            _ when encoding.Equals(Deflate, StringComparison.OrdinalIgnoreCase) => Deflate,
            _ when encoding.Equals(Identity, StringComparison.OrdinalIgnoreCase) => null,
            _ => encoding,
        };

    public static void Compress(string encoding, ReadOnlySpan<byte> source, Stream destination, CompressionLevel level)
    {
        using var compressor = CreateStream(encoding, destination, CompressionMode.Compress, level);
        compressor.Write(source);
    }

    /// <summary>
    /// Decompresses a payload; false when the result would exceed <paramref name="maxLength"/> (checked while
    /// inflating, so a small bomb cannot allocate a large buffer).
    /// </summary>
    public static bool TryDecompress(string encoding, in ReadOnlySequence<byte> payload, int maxLength, out byte[] result, out int length)
    {
        var input = payload.IsSingleSegment ? payload.First.ToArray() : payload.ToArray();
        using var source = new MemoryStream(input, writable: false);
        using var decompressor = CreateStream(encoding, source, CompressionMode.Decompress, CompressionLevel.Optimal);
        result = new byte[Math.Min(Math.Max(input.Length * 4, 256), Math.Max(maxLength, 1) + 1)];
        length = 0;
        while (true)
        {
            if (length == result.Length)
            {
                if (length > maxLength)
                {
                    return false;
                }

                Array.Resize(ref result, (int)Math.Min((long)result.Length * 2, (long)maxLength + 1));
            }

            var read = decompressor.Read(result, length, result.Length - length);
            if (read == 0)
            {
                return length <= maxLength;
            }

            length += read;
            if (length > maxLength)
            {
                return false;
            }
        }
    }

    private static Stream CreateStream(string encoding, Stream inner, CompressionMode mode, CompressionLevel level)
    {
        var leaveOpen = true;
        return encoding switch
        {
            Gzip => mode == CompressionMode.Compress ? new GZipStream(inner, level, leaveOpen) : new GZipStream(inner, mode, leaveOpen),
            Deflate => mode == CompressionMode.Compress ? new ZLibStream(inner, level, leaveOpen) : new ZLibStream(inner, mode, leaveOpen),
            _ => throw new NotSupportedException($"Unsupported grpc-encoding '{encoding}'."),
        };
    }
}
