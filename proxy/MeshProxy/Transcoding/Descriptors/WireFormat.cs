namespace MeshProxy.Transcoding.Descriptors;

/// <summary>Tag arithmetic (protobuf.dev, "Encoding": tag = field_number &lt;&lt; 3 | wire_type).</summary>
internal static class WireFormat
{
    public const int MaxFieldNumber = (1 << 29) - 1;

    public static uint EncodeTag(int number, WireType wireType) => ((uint)number << 3) | (uint)wireType;
}
