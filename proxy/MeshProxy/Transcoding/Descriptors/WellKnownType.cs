namespace MeshProxy.Transcoding.Descriptors;

/// <summary>Message types whose ProtoJSON form is special (protobuf.dev, "ProtoJSON format", well-known types).</summary>
internal enum WellKnownType : byte
{
    None,
    Any,
    Timestamp,
    Duration,
    FieldMask,
    Struct,
    Value,
    ListValue,
    Empty,
    DoubleValue,
    FloatValue,
    Int64Value,
    UInt64Value,
    Int32Value,
    UInt32Value,
    BoolValue,
    StringValue,
    BytesValue,
}
