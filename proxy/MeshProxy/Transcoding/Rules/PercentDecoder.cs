using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace MeshProxy.Transcoding.Rules;

/// <summary>
/// Percent-decoding for path variables and query parameters (RFC 3986 section 2.1). Decoded bytes must form UTF-8.
/// Path variables over several segments keep RFC 6570 reserved characters encoded (http.proto: "reserved expansion"),
/// so <c>%2F</c> stays <c>%2F</c> there while a single-segment variable decodes it to <c>/</c>.
/// </summary>
internal static class PercentDecoder
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    // RFC 3986 section 2.2 reserved = gen-delims / sub-delims (RFC 6570 section 1.5 uses the same set).
    private static readonly SearchValues<char> Reserved = SearchValues.Create(":/?#[]@!$&'()*+,;=");

    /// <summary>Decodes a path variable value.</summary>
    public static bool TryDecodePath(ReadOnlySpan<char> raw, bool keepReserved, [NotNullWhen(true)] out string? value, [NotNullWhen(false)] out string? error) =>
        TryDecode(raw, keepReserved, plusIsSpace: false, out value, out error);

    /// <summary>Decodes a query string key or value (<c>application/x-www-form-urlencoded</c>: <c>+</c> is a space).</summary>
    public static bool TryDecodeQuery(ReadOnlySpan<char> raw, [NotNullWhen(true)] out string? value, [NotNullWhen(false)] out string? error) =>
        TryDecode(raw, keepReserved: false, plusIsSpace: true, out value, out error);

    private static bool TryDecode(ReadOnlySpan<char> raw, bool keepReserved, bool plusIsSpace, [NotNullWhen(true)] out string? value, [NotNullWhen(false)] out string? error)
    {
        if (raw.IndexOf('%') < 0 && (!plusIsSpace || raw.IndexOf('+') < 0))
        {
            value = raw.ToString();
            error = null;
            return true;
        }

        // Every input char yields at most three UTF-8 bytes.
        var rented = ArrayPool<byte>.Shared.Rent(raw.Length * 3);
        try
        {
            var length = 0;
            for (var i = 0; i < raw.Length; i++)
            {
                var c = raw[i];
                if (c == '%')
                {
                    if (i + 2 >= raw.Length || !TryHex(raw[i + 1], out var high) || !TryHex(raw[i + 2], out var low))
                    {
                        value = null;
                        error = $"malformed percent-encoding at offset {i} of \"{raw}\"";
                        return false;
                    }

                    var b = (byte)((high << 4) | low);
                    if (keepReserved && b < 0x80 && Reserved.Contains((char)b))
                    {
                        rented[length++] = (byte)'%';
                        rented[length++] = (byte)raw[i + 1];
                        rented[length++] = (byte)raw[i + 2];
                    }
                    else
                    {
                        rented[length++] = b;
                    }

                    i += 2;
                }
                else if (c == '+' && plusIsSpace)
                {
                    rented[length++] = (byte)' ';
                }
                else if (c < 0x80)
                {
                    rented[length++] = (byte)c;
                }
                else
                {
                    // Raw non-ASCII (a lenient client): keep it as its UTF-8 encoding.
                    var count = raw.Slice(i, char.IsHighSurrogate(c) && i + 1 < raw.Length ? 2 : 1);
                    length += Encoding.UTF8.GetBytes(count, rented.AsSpan(length));
                    i += count.Length - 1;
                }
            }

            try
            {
                value = StrictUtf8.GetString(rented, 0, length);
                error = null;
                return true;
            }
            catch (DecoderFallbackException)
            {
                value = null;
                error = $"\"{raw}\" does not decode to UTF-8 text";
                return false;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static bool TryHex(char c, out int value)
    {
        value = c switch
        {
            >= '0' and <= '9' => c - '0',
            >= 'a' and <= 'f' => c - 'a' + 10,
            >= 'A' and <= 'F' => c - 'A' + 10,
            _ => -1,
        };
        return value >= 0;
    }
}
