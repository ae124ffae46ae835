using System.Buffers;
using BenchmarkDotNet.Attributes;
using MeshProxy.Upstream.Hpack;

namespace MeshProxy.Benchmarks;

/// <summary>
/// What HPACK costs the lean HTTP/2 client per call on a warm connection: encoding a gRPC request's header block (the
/// fields that repeat already in our dynamic table, the per-call ones Huffman coded), and decoding a response's headers
/// and trailers (repeated fields indexed by the server, new ones Huffman coded). Both must allocate nothing.
/// </summary>
[MemoryDiagnoser]
public class HpackBenchmarks
{
    private static readonly (string Name, string Value)[] Request =
    [
        (":method", "POST"), (":scheme", "http"), (":path", "/greet.Greeter/SayHello"), (":authority", "backend:5001"),
        ("content-type", "application/grpc"), ("te", "trailers"), ("grpc-timeout", "998m"), ("grpc-accept-encoding", "identity,gzip"),
        ("user-agent", "grpc-dotnet/2.85.0"), ("x-request-id", "7f3a9c0e-5d1b-4c2a-9e8f-0a1b2c3d4e5f"),
    ];

    private readonly ArrayBufferWriter<byte> _writer = new(1024);
    private readonly HpackEncoder _encoder = new();
    private readonly Sink _sink = new();
    private HpackDecoder _decoder = null!;
    private byte[] _headers = null!;
    private byte[] _trailers = null!;

    [GlobalSetup]
    public void Setup()
    {
        // The server's first response indexes its fields; later responses refer to them, as on a busy connection, and
        // send what changes (the date, the status) as literals, so the table stays as it is between invocations.
        _decoder = new HpackDecoder();
        var first = Block(
            0x88, Literal("content-type", "application/grpc", 0x40), Literal("server", "Kestrel", 0x40),
            Literal("grpc-accept-encoding", "identity,gzip", 0x40));
        _decoder.Decode(first, _sink);
        _headers = Block(0x88, 0xC0, 0xBF, 0xBE, Literal("date", "Thu, 03 Dec 2026 06:00:01 GMT", 0x00));
        _trailers = Block(Literal("grpc-status", "0", 0x00), Literal("grpc-message", "ok", 0x00));
        _decoder.Decode(_headers, _sink);
        _decoder.Decode(_trailers, _sink);
        EncodeRequest();
    }

    [Benchmark]
    public int EncodeRequest()
    {
        _writer.ResetWrittenCount();
        _encoder.BeginBlock(_writer);
        foreach (var (name, value) in Request)
        {
            _encoder.EncodeHeader(name, value, _writer);
        }

        _encoder.EndBlock();
        return _writer.WrittenCount;
    }

    [Benchmark]
    public int DecodeResponse()
    {
        _decoder.Decode(_headers, _sink);
        _decoder.Decode(_trailers, _sink);
        return _sink.Count;
    }

    /// <summary>
    /// A literal with a new name, both strings Huffman coded: with incremental indexing (0x40, RFC 7541 §6.2.1) or
    /// without (0x00, §6.2.2).
    /// </summary>
    private static byte[] Literal(string name, string value, byte pattern)
    {
        var writer = new ArrayBufferWriter<byte>();
        writer.Write([pattern]);
        foreach (var text in new[] { name, value })
        {
            var bytes = System.Text.Encoding.ASCII.GetBytes(text);
            var coded = new byte[Huffman.EncodedLength(bytes)];
            Huffman.Encode(bytes, coded);
            var length = writer.GetSpan(HpackInteger.MaxLength);
            writer.Advance(HpackInteger.Encode(coded.Length, 7, 0x80, length));
            writer.Write(coded);
        }

        return writer.WrittenSpan.ToArray();
    }

    private static byte[] Block(params object[] parts) =>
        parts.SelectMany(p => p is byte b ? [b] : (byte[])p).ToArray();

    private sealed class Sink : IHeaderSink
    {
        public int Count { get; private set; }

        public void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value) => Count++;
    }
}
