namespace MeshProxy.Transcoding.Json;

/// <summary>
/// One parsed scalar, already in wire form: <see cref="Bits"/> is the varint (zigzag applied), fixed32 or fixed64
/// payload; strings and bytes live in <see cref="Bytes"/>.
/// </summary>
internal readonly ref struct ScalarValue
{
    public ScalarValue(ulong bits, bool isDefault)
    {
        Bits = bits;
        IsDefault = isDefault;
        Bytes = default;
    }

    public ScalarValue(ReadOnlySpan<byte> bytes)
    {
        Bytes = bytes;
        IsDefault = bytes.IsEmpty;
        Bits = 0;
    }

    public ulong Bits { get; }

    public ReadOnlySpan<byte> Bytes { get; }

    /// <summary>The field's default (0, false, empty; for floats all bits zero, so -0.0 is not default, as in protobuf C++).</summary>
    public bool IsDefault { get; }
}
