using System.Buffers.Binary;
using MeshProxy.Routing;
using MeshProxy.Transcoding.Rest;
using Microsoft.AspNetCore.Http;

namespace MeshProxy.Fuzz.Targets;

/// <summary>
/// The gRPC frame readers: the transcoder's response capture (which splits an upstream body into messages) and the
/// proxy's frame-boundary tracker. Input: two bytes seeding where the body is cut into writes, then the body.
/// Invariant: however the body is cut, both agree with a plain reading of the whole body (same messages, same error,
/// same "ends between messages").
/// </summary>
internal sealed class GrpcFrameTarget : FuzzTarget
{
    private const int MaxMessageBytes = 64 * 1024;

    public override string Name => "frame";

    public override void Run(ReadOnlySpan<byte> input)
    {
        if (input.Length < 2)
        {
            return;
        }

        var random = new Random(input[0] | (input[1] << 8));
        var body = input[2..].ToArray();
        var expected = Reference(body, out var expectedError, out var atBoundary);

        var messages = new List<byte[]>();
        var capture = new UpstreamResponseCapture(new DefaultHttpContext().Response, MaxMessageBytes, (message, _) =>
        {
            messages.Add(message.ToArray());
            return ValueTask.CompletedTask;
        });
        var boundary = new GrpcFrameBoundary();
        try
        {
            var offset = 0;
            while (offset < body.Length)
            {
                var take = Math.Min(body.Length - offset, random.Next(1, 12));
                capture.Stream.WriteAsync(body.AsMemory(offset, take)).AsTask().GetAwaiter().GetResult();
                boundary.Advance(body.AsSpan(offset, take));
                offset += take;
            }

            capture.CompleteAsync().GetAwaiter().GetResult();
        }
        finally
        {
            capture.Release();
        }

        Check(messages.Count == expected.Count && messages.Zip(expected).All(p => p.First.AsSpan().SequenceEqual(p.Second)), "the capture's messages differ from the plain reading");
        Check((capture.FramingError is null) == (expectedError is null), $"framing error {capture.FramingError ?? "none"}, expected {expectedError ?? "none"}");
        Check(expectedError is not null || boundary.AtBoundary == atBoundary, "the boundary tracker disagrees about where the body ends");
    }

    /// <summary>The whole body read at once (PROTOCOL-HTTP2.md, Length-Prefixed-Message).</summary>
    internal static List<byte[]> Reference(byte[] body, out string? error, out bool atBoundary)
    {
        var messages = new List<byte[]>();
        var offset = 0;
        error = null;
        while (body.Length - offset >= 5)
        {
            var flag = body[offset];
            var size = BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(offset + 1));
            if (flag != 0)
            {
                error = "compressed flag";
                break;
            }

            if (size > MaxMessageBytes)
            {
                error = "too large";
                break;
            }

            if (offset + 5 + (long)size > body.Length)
            {
                break;
            }

            messages.Add(body.AsSpan(offset + 5, (int)size).ToArray());
            offset += 5 + (int)size;
        }

        atBoundary = offset == body.Length;
        if (error is null && !atBoundary)
        {
            error = "truncated";
        }

        return messages;
    }
}
