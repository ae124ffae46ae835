using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.IO.Pipelines;
using System.Text;

namespace MeshProxy.Bench.Backend;

/// <summary>
/// Answers the benchmark's calls straight from Kestrel's pipes, with replies serialised once at start, so the backend
/// costs as little CPU per call as an h2c server can (it shares a core with the load generator):
/// <list type="bullet">
/// <item><c>*/Echo</c> (unary, e.g. meshproxy.testing.v1.EverythingService/Echo): the request's gRPC frames are the
/// reply, so a 100 B or 16 KiB request gets a reply of the same size; REST <c>POST /t/v1/everything</c> reaches it
/// through the transcoder. A call with a <c>bench-work-us</c> header is answered that many microseconds late, as by a
/// backend that does some work, so that the proxy's CPU goes idle during every call as it does in production. The
/// wait is spun, because a timer here fires milliseconds late; it suits one call in flight.</item>
/// <item><c>*/WatchBooks</c> (server streaming, meshproxy.testing.v1.LibraryService): the stream-messages option's
/// count of about 100-byte <c>Book</c> messages, flushed one by one as a streaming server does.</item>
/// <item><c>grpc.health.v1.Health/Check</c>: SERVING, for the proxy's active health checks.</item>
/// <item><c>POST /v1/traces</c> (OTLP/HTTP on the sink listener): accepted and dropped.</item>
/// </list>
/// </summary>
internal sealed class BenchHandler
{
    // grpc.health.v1.HealthCheckResponse { status: SERVING (1) } in one gRPC frame.
    private static readonly byte[] ServingFrame = [0, 0, 0, 0, 2, 0x08, 0x01];

    private readonly int _streamMessages;
    private readonly byte[] _bookFrame;

    public BenchHandler(int streamMessages)
    {
        _streamMessages = streamMessages;
        _bookFrame = Frame(Book("shelves/bench/books/0000000001", new string('t', 64)));
    }

    public async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        if (path == "/v1/traces")
        {
            await DrainAsync(context.Request.BodyReader, context.RequestAborted).ConfigureAwait(false);
            context.Response.ContentType = "application/x-protobuf";
            return;
        }

        context.Response.ContentType = "application/grpc";
        var writer = context.Response.BodyWriter;
        if (path.EndsWith("/Echo", StringComparison.Ordinal))
        {
            var work = WorkTicks(context.Request);
            await EchoAsync(context.Request.BodyReader, writer, work, context.RequestAborted).ConfigureAwait(false);
        }
        else if (path.EndsWith("/WatchBooks", StringComparison.Ordinal))
        {
            await DrainAsync(context.Request.BodyReader, context.RequestAborted).ConfigureAwait(false);
            for (var i = 0; i < _streamMessages; i++)
            {
                await writer.WriteAsync(_bookFrame, context.RequestAborted).ConfigureAwait(false);
            }
        }
        else if (path == "/grpc.health.v1.Health/Check")
        {
            await DrainAsync(context.Request.BodyReader, context.RequestAborted).ConfigureAwait(false);
            await writer.WriteAsync(ServingFrame, context.RequestAborted).ConfigureAwait(false);
        }
        else
        {
            await DrainAsync(context.Request.BodyReader, context.RequestAborted).ConfigureAwait(false);
            context.Response.AppendTrailer("grpc-status", "12");
            context.Response.AppendTrailer("grpc-message", "bench backend: unknown method");
            return;
        }

        context.Response.AppendTrailer("grpc-status", "0");
    }

    private static long WorkTicks(HttpRequest request) =>
        request.Headers["bench-work-us"] is [{ } value]
        && long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var microseconds)
            ? Stopwatch.Frequency * microseconds / 1_000_000
            : 0;

    private static async Task EchoAsync(
        PipeReader reader, PipeWriter writer, long workTicks, CancellationToken cancellation)
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellation).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (result.IsCompleted)
            {
                foreach (var segment in buffer)
                {
                    writer.Write(segment.Span);
                }

                reader.AdvanceTo(buffer.End);
                break;
            }

            // Unary: reply only once the whole request has arrived, as a gRPC server does.
            reader.AdvanceTo(buffer.Start, buffer.End);
        }

        var workedUntil = Stopwatch.GetTimestamp() + workTicks;
        while (Stopwatch.GetTimestamp() < workedUntil)
        {
        }

        await writer.FlushAsync(cancellation).ConfigureAwait(false);
    }

    private static async Task DrainAsync(PipeReader reader, CancellationToken cancellation)
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellation).ConfigureAwait(false);
            reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                return;
            }
        }
    }

    // meshproxy.testing.v1.Book { name = 1; title = 2 }: two length-delimited strings, each under 128 bytes.
    private static byte[] Book(string name, string title)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var titleBytes = Encoding.UTF8.GetBytes(title);
        return [0x0A, (byte)nameBytes.Length, .. nameBytes, 0x12, (byte)titleBytes.Length, .. titleBytes];
    }

    private static byte[] Frame(byte[] message)
    {
        var frame = new byte[5 + message.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)message.Length);
        message.CopyTo(frame, 5);
        return frame;
    }
}
