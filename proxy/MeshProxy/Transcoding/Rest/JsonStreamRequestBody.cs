using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Runtime.InteropServices;
using MeshProxy.Grpc;
using MeshProxy.Transcoding.Rules;
using Microsoft.AspNetCore.Http;

namespace MeshProxy.Transcoding.Rest;

/// <summary>
/// The request body of a client- or bidi-streaming transcoded call: reads the REST body (a JSON array or
/// newline-delimited JSON) as it arrives and presents it as gRPC length-prefixed messages, one per JSON value, each
/// built by <see cref="RequestMessageBuilder"/> (so path and query bindings apply to every message). Only one value is
/// held at a time. A bad value stops the stream: <see cref="Error"/> says why, and the read fails so the forwarder
/// resets the upstream call.
/// </summary>
internal sealed class JsonStreamRequestBody : Stream
{
    private readonly PipeReader _source;
    private readonly HttpBinding _binding;
    private readonly IReadOnlyList<PathVariable> _variables;
    private readonly QueryString _query;
    private readonly RequestBuildOptions _options;
    private readonly int _maxMessageBytes;
    private readonly JsonValueSplitter _splitter = new();
    private readonly ArrayBufferWriter<byte> _frame = new(256);
    private int _frameOffset;
    private bool _ended;

    public JsonStreamRequestBody(PipeReader source, HttpBinding binding, IReadOnlyList<PathVariable> variables, QueryString query, RequestBuildOptions options, int maxMessageBytes)
    {
        _source = source;
        _binding = binding;
        _variables = variables;
        _query = query;
        _options = options;
        _maxMessageBytes = maxMessageBytes;
    }

    /// <summary>Set when the body was refused; the REST caller gets this status and message.</summary>
    public RequestBodyError? Error { get; private set; }

    /// <summary>Messages sent upstream so far.</summary>
    public int Messages => _splitter.Index;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_frameOffset == _frame.WrittenCount && !await NextFrameAsync(cancellationToken).ConfigureAwait(false))
        {
            return 0;
        }

        var count = Math.Min(buffer.Length, _frame.WrittenCount - _frameOffset);
        _frame.WrittenMemory.Slice(_frameOffset, count).CopyTo(buffer);
        _frameOffset += count;
        return count;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private async ValueTask<bool> NextFrameAsync(CancellationToken cancellationToken)
    {
        if (_ended)
        {
            return false;
        }

        while (true)
        {
            var result = await _source.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (_splitter.TryRead(buffer, result.IsCompleted, out var value, out var consumed, out var error))
            {
                if (value.IsEmpty)
                {
                    _source.AdvanceTo(buffer.End);
                    _ended = true;
                    return false;
                }

                var index = _splitter.Index - 1;
                if (value.Length > _maxMessageBytes)
                {
                    _source.AdvanceTo(consumed);
                    throw Fail(StatusCodes.Status413PayloadTooLarge, $"$[{index}]: the message is {value.Length} bytes, larger than the limit of {_maxMessageBytes}");
                }

                Frame(value, index);
                _source.AdvanceTo(consumed);
                return true;
            }

            if (error is not null)
            {
                _source.AdvanceTo(consumed);
                throw Fail(StatusCodes.Status400BadRequest, error);
            }

            if (buffer.Slice(consumed).Length > _maxMessageBytes)
            {
                _source.AdvanceTo(consumed);
                throw Fail(StatusCodes.Status413PayloadTooLarge, $"$[{_splitter.Index}]: the message is larger than the limit of {_maxMessageBytes} bytes");
            }

            _source.AdvanceTo(consumed, buffer.End);
        }
    }

    private void Frame(ReadOnlySequence<byte> json, int index)
    {
        _frame.ResetWrittenCount();
        _frameOffset = 0;
        _frame.GetSpan(GrpcProtocol.MessagePrefixLength)[..GrpcProtocol.MessagePrefixLength].Clear();
        _frame.Advance(GrpcProtocol.MessagePrefixLength);
        var error = RequestMessageBuilder.Build(_binding, _variables, _query, json, "application/json", _options, _frame);
        if (error is not null)
        {
            // Point the JSON path into the stream: "$.amount" of the third message is "$[2].amount".
            var root = error.Message.IndexOf('$', StringComparison.Ordinal);
            var message = root < 0 ? $"message {index}: {error.Message}" : $"{error.Message[..root]}$[{index}]{error.Message[(root + 1)..]}";
            throw Fail(error.HttpStatus, message);
        }

        // The prefix was reserved before the message was built; its length is known only now.
        var length = _frame.WrittenCount - GrpcProtocol.MessagePrefixLength;
        BinaryPrimitives.WriteUInt32BigEndian(MemoryMarshal.AsMemory(_frame.WrittenMemory).Span[1..GrpcProtocol.MessagePrefixLength], (uint)length);
    }

    private IOException Fail(int status, string message)
    {
        Error = new RequestBodyError(status, message);
        return new IOException(message);
    }
}
