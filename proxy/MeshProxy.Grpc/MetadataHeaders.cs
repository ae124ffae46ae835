using System.Buffers.Text;
using Microsoft.Extensions.Primitives;

namespace MeshProxy.Grpc;

/// <summary>
/// Converts metadata to and from HTTP header values. Binary values are sent as unpadded base64 and accepted with or
/// without padding (PROTOCOL-HTTP2.md: "Implementations MUST accept padded and un-padded values").
/// </summary>
internal static class MetadataHeaders
{
    public static string EncodeBinary(ReadOnlySpan<byte> value) => Convert.ToBase64String(value).TrimEnd('=');

    public static bool TryDecodeBinary(string value, out byte[] bytes)
    {
        var trimmed = value.Trim();
        var padding = (4 - trimmed.Length % 4) % 4;
        if (padding == 3)
        {
            bytes = [];
            return false;
        }

        var padded = padding == 0 ? trimmed : trimmed + new string('=', padding);
        var buffer = new byte[Base64.GetMaxDecodedFromUtf8Length(padded.Length)];
        if (Convert.TryFromBase64String(padded, buffer, out var written))
        {
            bytes = written == buffer.Length ? buffer : buffer[..written];
            return true;
        }

        bytes = [];
        return false;
    }

    /// <summary>Adds one header's values as entries; comma-joined binary values are split (PROTOCOL-HTTP2.md).</summary>
    public static void AddHeader(Metadata metadata, string name, StringValues values)
    {
        if (GrpcProtocol.IsReservedHeader(name))
        {
            return;
        }

        var key = name.ToLowerInvariant();
        var binary = MetadataEntry.IsBinaryKey(key);
        foreach (var value in values)
        {
            if (value is null)
            {
                continue;
            }

            try
            {
                if (!binary)
                {
                    metadata.Add(key, value);
                    continue;
                }

                foreach (var part in value.Split(','))
                {
                    if (TryDecodeBinary(part, out var bytes))
                    {
                        metadata.Add(key, bytes);
                    }
                }
            }
            catch (ArgumentException)
            {
                // A header that cannot be metadata (a name or value outside the grammar) is not exposed.
            }
        }
    }

    public static Metadata FromHeaders(IEnumerable<KeyValuePair<string, StringValues>> headers)
    {
        var metadata = new Metadata();
        foreach (var (name, values) in headers)
        {
            AddHeader(metadata, name, values);
        }

        return metadata;
    }

    public static string ToHeaderValue(MetadataEntry entry) => entry.IsBinary ? EncodeBinary(entry.ValueBytes) : entry.Value;
}
