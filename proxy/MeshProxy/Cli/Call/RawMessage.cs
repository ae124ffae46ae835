using Google.Protobuf;

namespace MeshProxy.Cli.Call;

/// <summary>
/// A message that is only its encoded bytes, so the typed gRPC client can carry messages our descriptor-driven codec
/// produced or will decode. Writing copies the bytes exactly. Reading copies field by field in wire order (so the
/// last-one-wins rules of the encoding, oneofs included, still hold) and writes varints in their shortest form.
/// </summary>
/// <remarks>
/// Google.Protobuf 3.25 serializes to a span and parses from a sequence through <see cref="IBufferMessage"/> only; its
/// public contexts offer no raw-bytes read or write, hence the field loop and the 5-byte raw-tag chunks.
/// </remarks>
internal sealed class RawMessage : IMessage<RawMessage>, IBufferMessage
{
    public static readonly MessageParser<RawMessage> Parser = new(() => new RawMessage());

    private byte[] _bytes;

    public RawMessage()
        : this([])
    {
    }

    public RawMessage(byte[] bytes) => _bytes = bytes;

    public ReadOnlyMemory<byte> Bytes => _bytes;

    Google.Protobuf.Reflection.MessageDescriptor IMessage.Descriptor =>
        throw new NotSupportedException("A raw message has no compiled descriptor; decode it with the descriptor pool.");

    public int CalculateSize() => _bytes.Length;

    public void WriteTo(CodedOutputStream output)
    {
        ArgumentNullException.ThrowIfNull(output);
        output.WriteRawMessage(this);
    }

    public void InternalWriteTo(ref WriteContext ctx)
    {
        var bytes = _bytes.AsSpan();
        while (bytes.Length >= 5)
        {
            ctx.WriteRawTag(bytes[0], bytes[1], bytes[2], bytes[3], bytes[4]);
            bytes = bytes[5..];
        }

        switch (bytes.Length)
        {
            case 4:
                ctx.WriteRawTag(bytes[0], bytes[1], bytes[2], bytes[3]);
                break;
            case 3:
                ctx.WriteRawTag(bytes[0], bytes[1], bytes[2]);
                break;
            case 2:
                ctx.WriteRawTag(bytes[0], bytes[1]);
                break;
            case 1:
                ctx.WriteRawTag(bytes[0]);
                break;
        }
    }

    public void MergeFrom(CodedInputStream input)
    {
        ArgumentNullException.ThrowIfNull(input);
        input.ReadRawMessage(this);
    }

    public void InternalMergeFrom(ref ParseContext ctx)
    {
        using var buffer = new MemoryStream();
        buffer.Write(_bytes);
        var output = new CodedOutputStream(buffer, leaveOpen: true);
        CopyFields(ref ctx, output, endGroupTag: 0);
        output.Flush();
        _bytes = buffer.ToArray();
    }

    public void MergeFrom(RawMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        _bytes = [.. _bytes, .. message._bytes];
    }

    public RawMessage Clone() => new((byte[])_bytes.Clone());

    public bool Equals(RawMessage? other) => other is not null && _bytes.AsSpan().SequenceEqual(other._bytes);

    public override bool Equals(object? obj) => Equals(obj as RawMessage);

    public override int GetHashCode() => _bytes.Length;

    /// <summary>
    /// Copies fields until the end of the message, or until the group's end tag (written too). A stray or missing
    /// end-group tag is copied as it is: judging the bytes is the codec's job when it decodes them.
    /// </summary>
    private static void CopyFields(ref ParseContext ctx, CodedOutputStream output, uint endGroupTag)
    {
        uint tag;
        while ((tag = ctx.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagWireType(tag))
            {
                case WireFormat.WireType.Varint:
                    output.WriteTag(tag);
                    output.WriteUInt64(ctx.ReadUInt64());
                    break;
                case WireFormat.WireType.Fixed64:
                    output.WriteTag(tag);
                    output.WriteFixed64(ctx.ReadFixed64());
                    break;
                case WireFormat.WireType.Fixed32:
                    output.WriteTag(tag);
                    output.WriteFixed32(ctx.ReadFixed32());
                    break;
                case WireFormat.WireType.LengthDelimited:
                    output.WriteTag(tag);
                    output.WriteBytes(ctx.ReadBytes());
                    break;
                case WireFormat.WireType.StartGroup:
                    output.WriteTag(tag);
                    CopyFields(ref ctx, output, WireFormat.MakeTag(WireFormat.GetTagFieldNumber(tag), WireFormat.WireType.EndGroup));
                    break;
                case WireFormat.WireType.EndGroup:
                    output.WriteTag(tag);
                    if (tag == endGroupTag)
                    {
                        return;
                    }

                    break;
                default:
                    // Wire types 6 and 7 do not exist; the library's own field reader throws its parse exception for them.
                    _ = UnknownFieldSet.MergeFieldFrom(null, ref ctx);
                    break;
            }
        }
    }
}
