using System.Text.Json;
using Google.Protobuf.Reflection;

namespace MeshProxy.Transcoding.Descriptors;

/// <summary>
/// One field of a <see cref="MessageType"/> with everything the codec's hot path needs precomputed at load:
/// names as pre-encoded JSON property names, the encoded tag bytes, packedness, presence and resolved types.
/// </summary>
internal sealed class ProtoField
{
    private MessageType? _messageType;

    public ProtoField(FieldDescriptor descriptor, int index, MessageType containingType)
    {
        ContainingType = containingType;
        Number = descriptor.FieldNumber;
        Index = index;
        Name = descriptor.Name;
        JsonName = descriptor.JsonName;
        JsonNameText = JsonEncodedText.Encode(JsonName);
        ProtoNameText = JsonEncodedText.Encode(Name);
        Type = descriptor.FieldType;
        IsMap = descriptor.IsMap;
        IsRepeated = descriptor.IsRepeated && !IsMap;
        IsPacked = IsRepeated && descriptor.IsPacked && IsPackable(Type);
        // Proto3 fields without `optional` have implicit presence: their default value is never written.
        HasPresence = !descriptor.IsRepeated && descriptor.HasPresence;
        var oneof = descriptor.RealContainingOneof;
        OneofIndex = oneof is null ? -1 : oneof.Index;
        WireType = IsMap ? WireType.LengthDelimited : WireTypeOf(Type);
        Tag = WireFormat.EncodeTag(Number, WireType);
        PackedTag = WireFormat.EncodeTag(Number, WireType.LengthDelimited);
    }

    /// <summary>The message this field belongs to.</summary>
    public MessageType ContainingType { get; }

    public int Number { get; }

    /// <summary>Position in declaration order inside the containing message.</summary>
    public int Index { get; }

    public string Name { get; }

    public string JsonName { get; }

    public JsonEncodedText JsonNameText { get; }

    public JsonEncodedText ProtoNameText { get; }

    public FieldType Type { get; }

    /// <summary>A repeated field that is not a map.</summary>
    public bool IsRepeated { get; }

    public bool IsMap { get; }

    /// <summary>Written packed; packed and unpacked input are both read whatever this says.</summary>
    public bool IsPacked { get; }

    /// <summary>Explicit presence: proto3 <c>optional</c>, oneof members and singular messages.</summary>
    public bool HasPresence { get; }

    /// <summary>Index of the real (non-synthetic) oneof this field belongs to, or -1.</summary>
    public int OneofIndex { get; }

    /// <summary>Wire type of one unpacked value.</summary>
    public WireType WireType { get; }

    /// <summary>The tag of one unpacked value, as a varint-ready number.</summary>
    public uint Tag { get; }

    /// <summary>The length-delimited tag used for a packed run.</summary>
    public uint PackedTag { get; }

    public MessageType MessageType => _messageType ?? throw new InvalidOperationException($"Field {Name} is not a message field.");

    public EnumType? EnumType { get; private set; }

    /// <summary>For maps: the entry's key field (number 1).</summary>
    public ProtoField? MapKey { get; private set; }

    /// <summary>For maps: the entry's value field (number 2).</summary>
    public ProtoField? MapValue { get; private set; }

    public bool IsMessage => Type == FieldType.Message;

    internal void Resolve(MessageType? messageType, EnumType? enumType, ProtoField? mapKey, ProtoField? mapValue)
    {
        _messageType = messageType;
        EnumType = enumType;
        MapKey = mapKey;
        MapValue = mapValue;
    }

    public override string ToString() => Name;

    internal static bool IsPackable(FieldType type) =>
        type is not (FieldType.String or FieldType.Bytes or FieldType.Message or FieldType.Group);

    internal static WireType WireTypeOf(FieldType type) => type switch
    {
        FieldType.Double or FieldType.Fixed64 or FieldType.SFixed64 => WireType.Fixed64,
        FieldType.Float or FieldType.Fixed32 or FieldType.SFixed32 => WireType.Fixed32,
        FieldType.String or FieldType.Bytes or FieldType.Message => WireType.LengthDelimited,
        FieldType.Group => WireType.StartGroup,
        _ => WireType.Varint,
    };
}
