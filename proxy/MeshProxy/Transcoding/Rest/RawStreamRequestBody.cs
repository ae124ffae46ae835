using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Runtime.InteropServices;
using MeshProxy.Grpc;
using MeshProxy.Transcoding.Rules;
using Microsoft.AspNetCore.Http;

namespace MeshProxy.Transcoding.Rest;

/// <summary>
/// The request body of a client-streaming call whose rule body is a <c>google.api.HttpBody</c>: the raw REST body is
/// read as it arrives and each chunk (what the socket delivered, at most <see cref="MaxChunkBytes"/> or the per-message
/// limit) becomes one gRPC message, as Envoy's transcoder streams raw bodies. Every message is built by
/// <see cref="RequestMessageBuilder"/>, so each carries the request's Content-Type and the path and query bindings.
/// Nothing is buffered beyond one chunk, so the whole upload may exceed the per-message limit.
/// </summary>
internal sealed class RawStreamRequestBody : Stream
{
    /// <summary>The largest chunk per message (64 KiB: well under gRPC's usual 4 MiB limit, large enough to be cheap).</summary>
    public const int MaxChunkBytes = 64 * 1024;

    private readonly PipeReader _source;
    private readonly HttpBinding _binding;
    private readonly IReadOnlyList<PathVariable> _variables;
    private readonly QueryString _query;
    private readonly string? _contentType;
    private readonly RequestBuildOptions _options;
    private readonly int _chunkBytes;
    private readonly ArrayBufferWriter<byte> _frame = new(MaxChunkBytes + 256);
    private int _frameOffset;
    private bool _ended;

    public RawStreamRequestBody(PipeReader source, HttpBinding binding, IReadOnlyList<PathVariable> variables, QueryString query,
        string? contentType, RequestBuildOptions options, int maxMessageBytes)
    {
        _source = source;
        _binding = binding;
        _variables = variables;
        _query = query;
        _contentType = contentType;
        _options = options;
        _chunkBytes = Math.Clamp(maxMessageBytes, 1, MaxChunkBytes);
    }

    /// <summary>Set when the body was refused; the REST caller gets this status and message.</summary>
    public RequestBodyError? Error { get; private set; }

    /// <summary>Messages sent upstream so far.</summary>
    public int Messages { get; private set; }

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

        var result = await _source.ReadAsync(cancellationToken).ConfigureAwait(false);
        var buffer = result.Buffer;
        if (buffer.IsEmpty && result.IsCompleted)
        {
            _source.AdvanceTo(buffer.End);
            _ended = true;

            // An empty upload is still one call with one (empty) message, so the backend sees the content type and bindings.
            if (Messages == 0)
            {
                Frame(ReadOnlySequence<byte>.Empty);
                return true;
            }

            return false;
        }

        var chunk = buffer.Slice(0, Math.Min(buffer.Length, _chunkBytes));
        try
        {
            Frame(chunk);
        }
        finally
        {
            _source.AdvanceTo(chunk.End);
        }

        return true;
    }

    private void Frame(ReadOnlySequence<byte> chunk)
    {
        _frame.ResetWrittenCount();
        _frameOffset = 0;
        _frame.GetSpan(GrpcProtocol.MessagePrefixLength)[..GrpcProtocol.MessagePrefixLength].Clear();
        _frame.Advance(GrpcProtocol.MessagePrefixLength);
        var error = RequestMessageBuilder.Build(_binding, _variables, _query, chunk, _contentType, _options, _frame);
        if (error is not null)
        {
            Error = new RequestBodyError(error.HttpStatus, error.Message);
            throw new IOException(error.Message);
        }

        var length = _frame.WrittenCount - GrpcProtocol.MessagePrefixLength;
        BinaryPrimitives.WriteUInt32BigEndian(MemoryMarshal.AsMemory(_frame.WrittenMemory).Span[1..GrpcProtocol.MessagePrefixLength], (uint)length);
        Messages++;
    }
}
