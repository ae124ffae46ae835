using System.Buffers.Binary;
using Microsoft.AspNetCore.Http;

namespace MeshProxy.Observability;

/// <summary>
/// <c>x-request-id</c>, as Envoy handles it: kept when the caller sent one, generated (a UUID) when absent, forwarded
/// upstream with the request and echoed to the caller on the response.
/// </summary>
/// <remarks>
/// A generated id is a per-process random prefix (8 bytes, drawn once) and a counter, in UUID form (version 4 and
/// variant bits set, so UUID parsers accept it). It must be unique, not secret: <see cref="Guid.NewGuid"/> cost a
/// read of /dev/urandom per call (docs/benchmarks.md, the strace profile), and this costs an interlocked increment.
/// </remarks>
internal static class RequestId
{
    public const string Header = "x-request-id";

    // An id longer than this is not an id; a fresh one protects logs and backends from an arbitrary payload.
    private const int MaxLength = 128;

    // Drawn from Guid.NewGuid (the OS's random source through the runtime's own native library), not
    // RandomNumberGenerator, which on Linux is OpenSSL's: loading it for one draw would cost a sidecar without TLS
    // 3.7 MiB (docs/benchmarks.md, "OpenSSL left unloaded").
    private static readonly ulong Prefix = DrawPrefix();
    private static long _counter;

    /// <summary>The call's id; a generated one is written into the request headers so the forwarder sends it upstream.</summary>
    public static string Ensure(HttpRequest request)
    {
        var values = request.Headers[Header];
        if (values.Count == 1 && values[0] is { Length: > 0 and <= MaxLength } id && IsPrintable(id))
        {
            return id;
        }

        var generated = Next();
        request.Headers[Header] = generated;
        return generated;
    }

    /// <summary>A fresh id: the process's prefix and the next count, as a UUID string.</summary>
    internal static string Next() => Format(Prefix, (ulong)Interlocked.Increment(ref _counter));

    /// <summary>
    /// The UUID string ("D" form, lower case) of the 16 bytes <paramref name="prefix"/> then <paramref name="count"/>
    /// (big-endian), with the version 4 and RFC 9562 variant bits set.
    /// </summary>
    internal static string Format(ulong prefix, ulong count) => string.Create(36, (prefix, count), static (chars, id) =>
    {
        var high = (id.prefix & ~0xF000UL) | 0x4000UL;
        var low = (id.count & ~(0xC0UL << 56)) | (0x80UL << 56);
        LowerHex.Write(chars[..8], high >> 32);
        chars[8] = '-';
        LowerHex.Write(chars[9..13], high >> 16);
        chars[13] = '-';
        LowerHex.Write(chars[14..18], high);
        chars[18] = '-';
        LowerHex.Write(chars[19..23], low >> 48);
        chars[23] = '-';
        LowerHex.Write(chars[24..], low);
    });

    private static ulong DrawPrefix()
    {
        // A version 4 GUID fixes 4 bits in its first half and 2 in its second, at different places: their XOR is 64 random bits.
        Span<byte> random = stackalloc byte[16];
        Guid.NewGuid().TryWriteBytes(random);
        return BinaryPrimitives.ReadUInt64BigEndian(random) ^ BinaryPrimitives.ReadUInt64BigEndian(random[8..]);
    }

    private static bool IsPrintable(string id)
    {
        foreach (var c in id)
        {
            if (c is < '\x21' or > '\x7e')
            {
                return false;
            }
        }

        return true;
    }
}
