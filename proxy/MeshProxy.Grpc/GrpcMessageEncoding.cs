using System.Buffers;
using System.Text;

namespace MeshProxy.Grpc;

/// <summary>
/// Percent-encoding of grpc-message: UTF-8 bytes outside 0x20-0x7E, and '%' itself, become %XX (PROTOCOL-HTTP2.md).
/// Decoding is lenient: a malformed escape is kept as written rather than failing the call.
/// </summary>
public static class GrpcMessageEncoding
{
    private static readonly SearchValues<char> NeedsEncoding = SearchValues.Create(BuildUnsafe());

    public static string Encode(string message)
    {
        if (message.AsSpan().IndexOfAny(NeedsEncoding) < 0)
        {
            return message;
        }

        var bytes = Encoding.UTF8.GetBytes(message);
        var builder = new StringBuilder(bytes.Length * 3);
        foreach (var b in bytes)
        {
            if (b is >= 0x20 and <= 0x7E and not (byte)'%')
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append('%').Append(HexUpper(b >> 4)).Append(HexUpper(b & 0xF));
            }
        }

        return builder.ToString();
    }

    public static string Decode(string value)
    {
        if (!value.Contains('%', StringComparison.Ordinal))
        {
            return value;
        }

        var bytes = new List<byte>(value.Length);
        var literalStart = 0;
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == '%' && i + 2 < value.Length && IsHex(value[i + 1]) && IsHex(value[i + 2]))
            {
                // Literal runs are kept by their UTF-8 bytes, so off-spec non-ASCII text survives.
                bytes.AddRange(Encoding.UTF8.GetBytes(value[literalStart..i]));
                bytes.Add((byte)((FromHex(value[i + 1]) << 4) | FromHex(value[i + 2])));
                i += 2;
                literalStart = i + 1;
            }
        }

        bytes.AddRange(Encoding.UTF8.GetBytes(value[literalStart..]));
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    private static char HexUpper(int nibble) => (char)(nibble < 10 ? '0' + nibble : 'A' + nibble - 10);

    private static bool IsHex(char c) => char.IsAsciiHexDigit(c);

    private static int FromHex(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;

    private static string BuildUnsafe()
    {
        var builder = new StringBuilder();
        for (var c = 0; c < 0x20; c++)
        {
            builder.Append((char)c);
        }

        builder.Append('%');
        for (var c = 0x7F; c <= 0xFFFF; c++)
        {
            builder.Append((char)c);
        }

        return builder.ToString();
    }
}
