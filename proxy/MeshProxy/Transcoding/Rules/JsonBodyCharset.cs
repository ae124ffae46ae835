using System.Buffers;
using System.Text;

namespace MeshProxy.Transcoding.Rules;

/// <summary>
/// The <c>charset</c> parameter of a JSON request body. ProtoJSON is read as UTF-8 (RFC 8259 section 8.1: JSON
/// exchanged between systems is UTF-8), so a body declared in another charset is converted first when .NET can decode
/// it strictly (UTF-16, UTF-32, US-ASCII, ISO-8859-1), and refused with 415 otherwise: reading Shift_JIS or UTF-16 as
/// UTF-8 would turn a client's text into other text or a misleading 400 (issue 12).
/// </summary>
internal static class JsonBodyCharset
{
    /// <summary>
    /// Null when <paramref name="contentType"/> declares no charset or UTF-8. Otherwise the strict decoder for the
    /// charset, or null with <paramref name="unsupported"/> set to the charset's name.
    /// </summary>
    public static Encoding? Find(string? contentType, out string? unsupported)
    {
        unsupported = null;
        if (string.IsNullOrEmpty(contentType) || Charset(contentType) is not { } charset)
        {
            return null;
        }

        Encoding? encoding = charset.ToLowerInvariant() switch
        {
            "utf-8" or "utf8" => null,
            "utf-16" => new UnicodeEncoding(bigEndian: false, byteOrderMark: true, throwOnInvalidBytes: true),
            "utf-16le" => new UnicodeEncoding(bigEndian: false, byteOrderMark: false, throwOnInvalidBytes: true),
            "utf-16be" => new UnicodeEncoding(bigEndian: true, byteOrderMark: false, throwOnInvalidBytes: true),
            "utf-32" or "utf-32le" => new UTF32Encoding(bigEndian: false, byteOrderMark: false, throwOnInvalidCharacters: true),
            "utf-32be" => new UTF32Encoding(bigEndian: true, byteOrderMark: false, throwOnInvalidCharacters: true),
            "us-ascii" or "ascii" => Encoding.GetEncoding("us-ascii", EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback),
            "iso-8859-1" or "latin1" or "l1" => Encoding.Latin1,
            _ => Unsupported(charset, out unsupported),
        };
        return encoding;
    }

    /// <summary>The body re-encoded as UTF-8; false when it is not valid text in <paramref name="encoding"/>.</summary>
    public static bool TryConvert(ReadOnlySequence<byte> body, Encoding encoding, out ReadOnlySequence<byte> utf8)
    {
        try
        {
            // "utf-16" may start with a byte order mark that picks the byte order (RFC 2781 section 4.3).
            var bytes = body.ToArray();
            var text = encoding is UnicodeEncoding && bytes.Length >= 2 && bytes[0] == 0xFE && bytes[1] == 0xFF
                ? new UnicodeEncoding(bigEndian: true, byteOrderMark: true, throwOnInvalidBytes: true).GetString(bytes, 2, bytes.Length - 2)
                : encoding.GetString(bytes).TrimStart('\uFEFF');
            utf8 = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(text));
            return true;
        }
        catch (DecoderFallbackException)
        {
            utf8 = default;
            return false;
        }
        catch (ArgumentException)
        {
            // UnicodeEncoding and UTF32Encoding report bad input (an odd byte count, a lone surrogate) this way.
            utf8 = default;
            return false;
        }
    }

    private static Encoding? Unsupported(string charset, out string? unsupported)
    {
        unsupported = charset;
        return null;
    }

    /// <summary>The charset parameter's value, unquoted (RFC 9110 section 8.3.1), or null.</summary>
    private static string? Charset(string contentType)
    {
        foreach (var part in contentType.Split(';').Skip(1))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0 && part[..eq].Trim().Equals("charset", StringComparison.OrdinalIgnoreCase))
            {
                return part[(eq + 1)..].Trim().Trim('"');
            }
        }

        return null;
    }
}
