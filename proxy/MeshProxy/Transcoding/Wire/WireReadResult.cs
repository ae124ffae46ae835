namespace MeshProxy.Transcoding.Wire;

/// <summary>Why a protobuf read stopped short. <see cref="Ok"/> is success.</summary>
internal enum WireReadResult : byte
{
    Ok,
    Truncated,
    MalformedVarint,
    InvalidTag,
    InvalidWireType,
    LengthOutOfRange,
    UnbalancedGroup,
    TooDeep,
}
