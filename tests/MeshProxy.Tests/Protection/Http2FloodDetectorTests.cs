using System.Buffers.Binary;
using MeshProxy.IO;
using MeshProxy.Protection;
using Microsoft.Extensions.Time.Testing;

namespace MeshProxy.Tests.Protection;

public sealed class Http2FloodDetectorTests
{
    private static readonly byte[] Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray();

    [Fact]
    public void Scan_PingsSplitAcrossPiecesOfOneByte_CountedAsWholeFrames()
    {
        var detector = new Http2FloodDetector(ProtectionOptions.Default with { Http2MaxPings = 3 }, new FakeTimeProvider());
        var bytes = Concat(Preface, Frame(Http2FrameHeader.Ping, 0, 0, 8), Frame(Http2FrameHeader.Ping, 0, 0, 8), Frame(Http2FrameHeader.Ping, 0, 0, 8));

        foreach (var b in bytes)
        {
            Assert.Equal(-1, detector.Scan([b]));
        }

        // The fourth PING passes the budget; its frame starts where this piece starts.
        Assert.Equal(0, detector.Scan(Frame(Http2FrameHeader.Ping, 0, 0, 8)));
        Assert.Equal(Http2FloodFrame.Ping, detector.Tripped);
        Assert.Equal(4, detector.TrippedCount);
    }

    [Fact]
    public void Scan_PingAcks_NeverCounted()
    {
        var detector = new Http2FloodDetector(ProtectionOptions.Default with { Http2MaxPings = 1 }, new FakeTimeProvider());
        Assert.Equal(-1, detector.Scan(Preface));

        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(-1, detector.Scan(Frame(Http2FrameHeader.Ping, Http2FrameHeader.Ack, 0, 8)));
        }

        Assert.Equal(Http2FloodFrame.None, detector.Tripped);
    }

    [Fact]
    public void Scan_TripInTheMiddleOfAPiece_ReturnsTheOffsetOfTheOffendingFrame()
    {
        var detector = new Http2FloodDetector(ProtectionOptions.Default with { Http2MaxSettings = 2 }, new FakeTimeProvider());
        var settings = Frame(Http2FrameHeader.Settings, 0, 0, 6);
        var bytes = Concat(Preface, Frame(Http2FrameHeader.Data, 0, 1, 100), settings, settings, settings, settings);

        Assert.Equal(Preface.Length + 109 + (2 * settings.Length), detector.Scan(bytes));
        Assert.Equal(Http2FloodFrame.Settings, detector.Tripped);
    }

    [Fact]
    public void Scan_PingsSpreadOverMoreThanTwoWindows_NeverTrip()
    {
        var time = new FakeTimeProvider();
        var detector = new Http2FloodDetector(ProtectionOptions.Default with { Http2MaxPings = 10, Http2FloodWindow = TimeSpan.FromSeconds(10) }, time);
        Assert.Equal(-1, detector.Scan(Preface));

        // 10 pings every 10 s is the budget: the old bucket fades as the window slides.
        for (var round = 0; round < 5; round++)
        {
            for (var i = 0; i < 10; i++)
            {
                Assert.Equal(-1, detector.Scan(Frame(Http2FrameHeader.Ping, 0, 0, 8)));
            }

            time.Advance(TimeSpan.FromSeconds(20));
        }
    }

    [Fact]
    public void Scan_ResetsOfFewerThanHalfTheStreams_NeverTrip()
    {
        var detector = new Http2FloodDetector(ProtectionOptions.Default with { Http2MaxResetStreams = 10 }, new FakeTimeProvider());
        Assert.Equal(-1, detector.Scan(Preface));

        // A busy client that cancels 40 % of its calls.
        for (var stream = 1; stream < 2000; stream += 2)
        {
            Assert.Equal(-1, detector.Scan(Frame(Http2FrameHeader.Headers, Http2FrameHeader.EndHeaders | Http2FrameHeader.EndStream, stream, 20)));
            if (stream % 5 < 2)
            {
                Assert.Equal(-1, detector.Scan(Frame(Http2FrameHeader.RstStream, 0, stream, 4)));
            }
        }

        Assert.Equal(Http2FloodFrame.None, detector.Tripped);
        Assert.Equal(1999, detector.LastStreamId);
    }

    private static byte[] Frame(byte type, byte flags, int streamId, int length)
    {
        var frame = new byte[9 + length];
        frame[0] = (byte)(length >> 16);
        frame[1] = (byte)(length >> 8);
        frame[2] = (byte)length;
        frame[3] = type;
        frame[4] = flags;
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(5), streamId);
        return frame;
    }

    private static byte[] Concat(params byte[][] parts) => [.. parts.SelectMany(p => p)];
}
