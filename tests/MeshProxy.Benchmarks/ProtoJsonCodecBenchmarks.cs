using System.Buffers;
using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Google.Protobuf;
using MeshProxy.Testing.V1;
using MeshProxy.Transcoding.Descriptors;
using MeshProxy.Transcoding.Json;

namespace MeshProxy.Benchmarks;

/// <summary>
/// Our descriptor-driven codec against Google.Protobuf's generated path (JsonParser + ToByteArray, ParseFrom +
/// JsonFormatter). Google gets its input as a ready string, as its API wants; we get UTF-8 bytes, as a request body is.
/// </summary>
[MemoryDiagnoser]
[CategoriesColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory, BenchmarkLogicalGroupRule.ByParams)]
public class ProtoJsonCodecBenchmarks
{
    private readonly ArrayBufferWriter<byte> _output = new(256 * 1024);
    private MessageType _type = null!;
    private string _jsonText = string.Empty;
    private ReadOnlySequence<byte> _json;
    private byte[] _binary = [];

    [Params("100B", "1KiB", "100KiB")]
    public string Size { get; set; } = "100B";

    [GlobalSetup]
    public void Setup()
    {
        var pool = DescriptorPool.LoadFile(Path.Combine(AppContext.BaseDirectory, "descriptor-set.pb"));
        _type = pool.FindMessage("meshproxy.testing.v1.Everything")!;
        var message = BenchmarkMessages.Create(Size);
        _binary = message.ToByteArray();
        _jsonText = JsonFormatter.Default.Format(message);
        _json = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(_jsonText));
        Console.WriteLine($"// {Size}: {_binary.Length} bytes protobuf, {_json.Length} bytes JSON");
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("JsonToBinary")]
    public byte[] JsonToBinary_GoogleProtobuf() => JsonParser.Default.Parse<Everything>(_jsonText).ToByteArray();

    [Benchmark]
    [BenchmarkCategory("JsonToBinary")]
    public int JsonToBinary_MeshProxy()
    {
        _output.ResetWrittenCount();
        ProtoJsonCodec.JsonToBinary(_json, _type, _output);
        return _output.WrittenCount;
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("BinaryToJson")]
    public string BinaryToJson_GoogleProtobuf() => JsonFormatter.Default.Format(Everything.Parser.ParseFrom(_binary));

    [Benchmark]
    [BenchmarkCategory("BinaryToJson")]
    public int BinaryToJson_MeshProxy()
    {
        _output.ResetWrittenCount();
        ProtoJsonCodec.BinaryToJson(_binary, _type, _output);
        return _output.WrittenCount;
    }
}
