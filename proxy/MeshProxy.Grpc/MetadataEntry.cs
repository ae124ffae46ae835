using System.Text;

namespace MeshProxy.Grpc;

/// <summary>
/// One metadata entry. Keys are lowercase ASCII; a key ending in "-bin" holds bytes (sent base64), any other key holds
/// printable ASCII text (PROTOCOL-HTTP2.md, Custom-Metadata).
/// </summary>
public sealed class MetadataEntry
{
    private readonly string? _text;
    private readonly byte[]? _bytes;

    public MetadataEntry(string key, string value)
    {
        Key = Metadata.NormalizeKey(key);
        ArgumentNullException.ThrowIfNull(value);
        if (IsBinaryKey(Key))
        {
            throw new ArgumentException($"Metadata key '{Key}' ends in '-bin' and needs a byte[] value.", nameof(value));
        }

        foreach (var c in value)
        {
            if (c is < ' ' or > '~')
            {
                throw new ArgumentException($"Metadata value of '{Key}' must be printable ASCII (0x20-0x7E).", nameof(value));
            }
        }

        _text = value;
    }

    public MetadataEntry(string key, byte[] value)
    {
        Key = Metadata.NormalizeKey(key);
        ArgumentNullException.ThrowIfNull(value);
        if (!IsBinaryKey(Key))
        {
            throw new ArgumentException($"Metadata key '{Key}' needs a '-bin' suffix to hold a byte[] value.", nameof(key));
        }

        _bytes = value;
    }

    public string Key { get; }

    public bool IsBinary => _bytes is not null;

    /// <summary>The text value; for a binary entry, its bytes read as ASCII.</summary>
    public string Value => _text ?? Encoding.ASCII.GetString(_bytes!);

    /// <summary>The binary value; for a text entry, its ASCII bytes.</summary>
    public byte[] ValueBytes => _bytes ?? Encoding.ASCII.GetBytes(_text!);

    public override string ToString() => IsBinary ? $"{Key}: <{_bytes!.Length} bytes>" : $"{Key}: {_text}";

    internal static bool IsBinaryKey(string key) => key.EndsWith(GrpcProtocol.BinarySuffix, StringComparison.Ordinal);
}
