using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using MeshProxy.IO;
using MeshProxy.Protection;

namespace MeshProxy.Benchmarks;

/// <summary>
/// What the HTTP/2 flood guard costs per inbound frame: <see cref="Http2FloodDetector.Scan"/> over a client's bytes as
/// Kestrel receives them (a busy gRPC connection: HEADERS, small DATA messages, WINDOW_UPDATEs and the odd PING ACK),
/// handed over in 4 KiB pieces as a socket read returns them, so frames straddle pieces. Reported per frame
/// (OperationsPerInvoke); it must allocate nothing.
/// </summary>
[MemoryDiagnoser]
public class Http2FloodScanBenchmarks
{
    private const int Streams = 2_000;
    private const int PieceBytes = 4096;
    private byte[] _bytes = null!;
    private int _frames;
    private Http2FloodDetector _detector = null!;

    [Params(16, 1024)]
    public int MessageBytes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        // One connection for the whole run, past its preface: each invocation scans the same frames again.
        _detector = new Http2FloodDetector(ProtectionOptions.Default, TimeProvider.System);
        _detector.Scan("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8);
        var stream = new MemoryStream();
        var headerBlock = new byte[120];
        var message = new byte[5 + MessageBytes];
        for (var i = 0; i < Streams; i++)
        {
            var id = (2 * i) + 1;
            Write(stream, Http2FrameHeader.Headers, Http2FrameHeader.EndHeaders, id, headerBlock);
            Write(stream, Http2FrameHeader.Data, Http2FrameHeader.EndStream, id, message);
            Write(stream, Http2FrameHeader.WindowUpdate, 0, 0, [0, 0, 0x10, 0]);
            _frames += 3;
            if (i % 100 == 0)
            {
                Write(stream, Http2FrameHeader.Ping, Http2FrameHeader.Ack, 0, new byte[8]);
                _frames++;
            }
        }

        _bytes = stream.ToArray();
    }

    /// <summary>Nanoseconds per frame: divide by the frame count through OperationsPerInvoke.</summary>
    [Benchmark(OperationsPerInvoke = (Streams * 3) + (Streams / 100))]
    public int ScanPerFrame()
    {
        // The default budgets never trip on this honest traffic (a WINDOW_UPDATE per stream is within 2 per stream).
        var detector = _detector;
        var tripped = 0;
        for (var offset = 0; offset < _bytes.Length; offset += PieceBytes)
        {
            tripped += detector.Scan(_bytes.AsSpan(offset, Math.Min(PieceBytes, _bytes.Length - offset))) >= 0 ? 1 : 0;
        }

        return tripped + _frames;
    }

    private static void Write(MemoryStream stream, byte type, byte flags, int streamId, ReadOnlySpan<byte> payload)
    {
        Span<byte> header = stackalloc byte[9];
        header[0] = (byte)(payload.Length >> 16);
        header[1] = (byte)(payload.Length >> 8);
        header[2] = (byte)payload.Length;
        header[3] = type;
        header[4] = flags;
        BinaryPrimitives.WriteInt32BigEndian(header[5..], streamId);
        stream.Write(header);
        stream.Write(payload);
    }
}
