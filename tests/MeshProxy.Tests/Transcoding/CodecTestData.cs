using System.Buffers;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using MeshProxy.Testing.V1;
using MeshProxy.Transcoding.Descriptors;
using MeshProxy.Transcoding.Json;

namespace MeshProxy.Tests.Transcoding;

/// <summary>The descriptor set built by the protos project, and helpers shared by the codec tests.</summary>
internal static class CodecTestData
{
    private static readonly Lazy<DescriptorPool> LazyPool = new(() => DescriptorPool.LoadFile(DescriptorSetPath));

    public static string DescriptorSetPath => Path.Combine(AppContext.BaseDirectory, "descriptor-set.pb");

    public static DescriptorPool Pool => LazyPool.Value;

    public static MessageType Everything => Pool.FindMessage("meshproxy.testing.v1.Everything")!;

    public static TypeRegistry Registry { get; } = TypeRegistry.FromMessages(
        Everything_Descriptor, Small.Descriptor, Timestamp.Descriptor, Duration.Descriptor, Struct.Descriptor, Value.Descriptor,
        ListValue.Descriptor, FieldMask.Descriptor, Empty.Descriptor, Int32Value.Descriptor, StringValue.Descriptor,
        Int64Value.Descriptor, BytesValue.Descriptor, Any.Descriptor);

    public static JsonFormatter Formatter { get; } = new(JsonFormatter.Settings.Default.WithTypeRegistry(Registry));

    public static JsonParser Parser { get; } = new(JsonParser.Settings.Default.WithTypeRegistry(Registry));

    private static MessageDescriptor Everything_Descriptor => MeshProxy.Testing.V1.Everything.Descriptor;

    public static CodecResult ToBinary(string json, out byte[] binary, MessageType? type = null, JsonParseOptions? options = null)
    {
        var output = new ArrayBufferWriter<byte>();
        var result = ProtoJsonCodec.JsonToBinary(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(json)), type ?? Everything, output, options);
        binary = output.WrittenSpan.ToArray();
        return result;
    }

    public static CodecResult ToJson(byte[] binary, out string json, MessageType? type = null, JsonFormatOptions? options = null)
    {
        var output = new ArrayBufferWriter<byte>();
        var result = ProtoJsonCodec.BinaryToJson(binary, type ?? Everything, output, options);
        json = Encoding.UTF8.GetString(output.WrittenSpan);
        return result;
    }

    public static string ToJsonOrThrow(byte[] binary, MessageType? type = null, JsonFormatOptions? options = null)
    {
        var result = ToJson(binary, out var json, type, options);
        Assert.True(result.IsSuccess, result.ToString());
        return json;
    }

    public static byte[] ToBinaryOrThrow(string json, MessageType? type = null, JsonParseOptions? options = null)
    {
        var result = ToBinary(json, out var binary, type, options);
        Assert.True(result.IsSuccess, result.ToString());
        return binary;
    }

    /// <summary>Compares two JSON texts as values: object key order is free, numbers compare by value.</summary>
    public static void AssertJsonEquivalent(string expected, string actual)
    {
        using var e = JsonDocument.Parse(expected);
        using var a = JsonDocument.Parse(actual);
        var difference = Difference(e.RootElement, a.RootElement, "$");
        Assert.True(difference is null, $"{difference}\nexpected: {expected}\nactual:   {actual}");
    }

    private static string? Difference(JsonElement expected, JsonElement actual, string path)
    {
        if (expected.ValueKind != actual.ValueKind)
        {
            return $"{path}: {expected.ValueKind} vs {actual.ValueKind}";
        }

        switch (expected.ValueKind)
        {
            case JsonValueKind.Object:
                var expectedNames = expected.EnumerateObject().Select(p => p.Name).OrderBy(n => n, StringComparer.Ordinal).ToList();
                var actualNames = actual.EnumerateObject().Select(p => p.Name).OrderBy(n => n, StringComparer.Ordinal).ToList();
                if (!expectedNames.SequenceEqual(actualNames))
                {
                    return $"{path}: keys [{string.Join(",", expectedNames)}] vs [{string.Join(",", actualNames)}]";
                }

                foreach (var property in expected.EnumerateObject())
                {
                    var d = Difference(property.Value, actual.GetProperty(property.Name), $"{path}.{property.Name}");
                    if (d is not null)
                    {
                        return d;
                    }
                }

                return null;
            case JsonValueKind.Array:
                if (expected.GetArrayLength() != actual.GetArrayLength())
                {
                    return $"{path}: length {expected.GetArrayLength()} vs {actual.GetArrayLength()}";
                }

                for (var i = 0; i < expected.GetArrayLength(); i++)
                {
                    var d = Difference(expected[i], actual[i], $"{path}[{i}]");
                    if (d is not null)
                    {
                        return d;
                    }
                }

                return null;
            case JsonValueKind.Number:
                return expected.GetDouble().Equals(actual.GetDouble()) ? null : $"{path}: {expected.GetRawText()} vs {actual.GetRawText()}";
            case JsonValueKind.String:
                return expected.GetString() == actual.GetString() ? null : $"{path}: {expected.GetRawText()} vs {actual.GetRawText()}";
            default:
                return null;
        }
    }
}
