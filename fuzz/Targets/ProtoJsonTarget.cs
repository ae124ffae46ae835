using System.Buffers;
using MeshProxy.Transcoding.Descriptors;
using MeshProxy.Transcoding.Json;

namespace MeshProxy.Fuzz.Targets;

/// <summary>
/// The ProtoJSON parser. Input: one byte choosing the message type, then the JSON. Invariant: what parses formats,
/// and the formatted JSON parses back to a message that formats to the same text (format is a fixed point).
/// </summary>
internal sealed class ProtoJsonTarget : FuzzTarget
{
    private static readonly string[] TypeNames =
    [
        "meshproxy.testing.v1.Everything",
        "meshproxy.testing.v1.Book",
        "meshproxy.testing.v1.UpdateBookRequest",
        "meshproxy.testing.v1.SetMetadataRequest",
        "users.v1.User",
        "google.protobuf.Any",
        "google.protobuf.Struct",
        "google.protobuf.Value",
        "google.protobuf.Timestamp",
        "google.protobuf.Duration",
        "google.protobuf.FieldMask",
    ];

    private readonly ArrayBufferWriter<byte> _binary = new();
    private readonly ArrayBufferWriter<byte> _json = new();
    private readonly ArrayBufferWriter<byte> _binary2 = new();
    private readonly ArrayBufferWriter<byte> _json2 = new();
    private MessageType[]? _types;

    public override string Name => "protojson";

    public override void Run(ReadOnlySpan<byte> input)
    {
        var types = _types ??= TypeNames.Select(SamplePool.Message).ToArray();
        if (input.IsEmpty)
        {
            return;
        }

        var type = types[input[0] % types.Length];
        var json = input[1..];
        _binary.ResetWrittenCount();
        if (!ProtoJsonCodec.JsonToBinary(json, type, _binary).IsSuccess)
        {
            return;
        }

        _json.ResetWrittenCount();
        var formatted = ProtoJsonCodec.BinaryToJson(_binary.WrittenSpan, type, _json);
        Check(formatted.IsSuccess, $"parsed but does not format: {formatted}");
        _binary2.ResetWrittenCount();
        var reparsed = ProtoJsonCodec.JsonToBinary(_json.WrittenSpan, type, _binary2);
        Check(reparsed.IsSuccess, $"formatted JSON does not parse back: {reparsed}");
        _json2.ResetWrittenCount();
        Check(ProtoJsonCodec.BinaryToJson(_binary2.WrittenSpan, type, _json2).IsSuccess, "reparsed message does not format");
        Check(_json.WrittenSpan.SequenceEqual(_json2.WrittenSpan), "format(parse(format(m))) differs from format(m)");
    }
}
