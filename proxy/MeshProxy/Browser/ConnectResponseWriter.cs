using System.Buffers;
using System.Buffers.Binary;
using System.Text.Json;
using MeshProxy.Grpc;
using MeshProxy.Transcoding.Descriptors;
using MeshProxy.Transcoding.Json;
using MeshProxy.Transcoding.Rest;
using Microsoft.AspNetCore.Http;

namespace MeshProxy.Browser;

/// <summary>
/// Writes the captured gRPC response in Connect's shapes (connectrpc.com/docs/protocol): a unary call gets 200 with
/// the message and its metadata as headers (trailers as <c>trailer-</c> headers), or the mapped HTTP status with a JSON
/// error; a stream gets 200 at once, each message in an envelope as it arrives, then the end-of-stream envelope (flag
/// 0x02) whose JSON holds the error, if any, and the trailers.
/// </summary>
internal sealed class ConnectResponseWriter(HttpContext context, ConnectCall call, MessageType? output, JsonFormatOptions? format)
{
    private const byte EndStreamFlag = 0x02;

    private UpstreamResponseCapture? _capture;
    private byte[]? _unary;
    private int _messages;
    private string? _conversionError;

    public void Attach(UpstreamResponseCapture capture) => _capture = capture;

    /// <summary>Called by the capture for each upstream message.</summary>
    public async ValueTask OnMessageAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        _messages++;
        if (!call.Streaming)
        {
            _unary ??= message.ToArray();
            return;
        }

        if (_conversionError is not null || context.RequestAborted.IsCancellationRequested)
        {
            return;
        }

        var response = context.Response;
        if (!response.HasStarted)
        {
            StartStream();
        }

        var body = response.BodyWriter;
        if (!TryWritePayload(message.Span, body, envelope: true))
        {
            return;
        }

        await body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes the outcome once the gRPC call has ended.</summary>
    public async Task FinishAsync(bool deadlineExpired)
    {
        var capture = _capture!;
        if (context.RequestAborted.IsCancellationRequested)
        {
            return;
        }

        var status = Outcome(capture, deadlineExpired);
        if (call.Streaming)
        {
            if (!context.Response.HasStarted)
            {
                StartStream();
            }

            await WriteEndStreamAsync(context.Response, status.Code, status.Message, status.Details, capture.Trailers).ConfigureAwait(false);
            return;
        }

        var response = context.Response;
        RestHeaderMapping.FromGrpc(capture.Headers, response.Headers, string.Empty);
        RestHeaderMapping.FromGrpc(capture.Trailers, response.Headers, "trailer-");
        if (status.Code != StatusCode.OK)
        {
            await ConnectError.WriteResponseAsync(response, status.Code, status.Message, status.Details).ConfigureAwait(false);
            return;
        }

        var buffer = new ArrayBufferWriter<byte>(Math.Max(_unary!.Length, 256));
        if (!TryWritePayload(_unary, buffer, envelope: false))
        {
            await ConnectError.WriteResponseAsync(response, StatusCode.Internal, _conversionError).ConfigureAwait(false);
            return;
        }

        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = call.ContentType;
        response.ContentLength = buffer.WrittenCount;
        await response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>A stream refused before any call was made: 200 and only the end-of-stream envelope (the protocol's way).</summary>
    public static Task WriteStreamErrorAsync(HttpResponse response, StatusCode code, string message)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = response.HttpContext.Request.ContentType?.Contains("json", StringComparison.OrdinalIgnoreCase) == true
            ? "application/connect+json"
            : "application/connect+proto";
        return WriteEndStreamAsync(response, code, message, null, null);
    }

    private (StatusCode Code, string? Message, byte[]? Details) Outcome(UpstreamResponseCapture capture, bool deadlineExpired)
    {
        if (capture.FramingError is { } framing)
        {
            return (StatusCode.Internal, framing, null);
        }

        if (_conversionError is not null)
        {
            return (StatusCode.Internal, _conversionError, null);
        }

        if (UpstreamStatus.TryRead(capture.Trailers, capture.Headers, out var upstream))
        {
            if (upstream.Code == StatusCode.OK && !call.Streaming && _messages != 1)
            {
                return (StatusCode.Unimplemented, $"a unary call must answer one message, the upstream sent {_messages}", null);
            }

            return (upstream.Code, upstream.Message, upstream.Details);
        }

        return deadlineExpired
            ? (StatusCode.DeadlineExceeded, "deadline exceeded at the proxy", null)
            : (StatusCode.Internal, "the upstream response carried no grpc-status", null);
    }

    private void StartStream()
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = call.ContentType;
        if (_capture is { } capture)
        {
            RestHeaderMapping.FromGrpc(capture.Headers, response.Headers, string.Empty);
        }
    }

    /// <summary>Writes the message, as JSON when the call is JSON, in an envelope when asked; false (and the error kept) when it does not convert.</summary>
    private bool TryWritePayload(ReadOnlySpan<byte> message, IBufferWriter<byte> destination, bool envelope)
    {
        if (output is null)
        {
            if (envelope)
            {
                WritePrefix(destination, 0, message.Length);
            }

            destination.Write(message);
            return true;
        }

        var json = new ArrayBufferWriter<byte>(Math.Max(message.Length * 2, 64));
        var converted = ProtoJsonCodec.BinaryToJson(message, output, json, format);
        if (!converted.IsSuccess)
        {
            _conversionError = $"the upstream answered a message that is not a valid {output.FullName}: {converted.Error}";
            return false;
        }

        if (envelope)
        {
            WritePrefix(destination, 0, json.WrittenCount);
        }

        destination.Write(json.WrittenSpan);
        return true;
    }

    private static async Task WriteEndStreamAsync(HttpResponse response, StatusCode code, string? message, byte[]? details, IHeaderDictionary? trailers)
    {
        var json = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(json, RestStatusBody.WriterOptions))
        {
            writer.WriteStartObject();
            if (code != StatusCode.OK)
            {
                writer.WritePropertyName("error");
                ConnectError.Write(writer, code, message, details);
            }

            var metadata = new HeaderDictionary();
            if (trailers is not null)
            {
                RestHeaderMapping.FromGrpc(trailers, metadata, string.Empty);
            }

            if (metadata.Count > 0)
            {
                writer.WriteStartObject("metadata");
                foreach (var (name, values) in metadata)
                {
                    writer.WriteStartArray(name);
                    foreach (var value in values)
                    {
                        writer.WriteStringValue(value);
                    }

                    writer.WriteEndArray();
                }

                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }

        var body = response.BodyWriter;
        WritePrefix(body, EndStreamFlag, json.WrittenCount);
        body.Write(json.WrittenSpan);
        await body.FlushAsync().ConfigureAwait(false);
    }

    private static void WritePrefix(IBufferWriter<byte> destination, byte flags, int length)
    {
        var prefix = destination.GetSpan(GrpcProtocol.MessagePrefixLength);
        prefix[0] = flags;
        BinaryPrimitives.WriteUInt32BigEndian(prefix[1..], (uint)length);
        destination.Advance(GrpcProtocol.MessagePrefixLength);
    }
}
