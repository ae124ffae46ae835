using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.InteropServices;
using MeshProxy.Grpc.Framing;
using MeshProxy.IO;
using MeshProxy.Transcoding.Rules;
using Microsoft.AspNetCore.Http;

namespace MeshProxy.Transcoding.Rest;

/// <summary>
/// The request body of a client- or bidi-streaming transcoded call, read by the forwarder as gRPC length-prefixed
/// messages while the REST body is still arriving. A subclass cuts the REST body into message bodies
/// (<see cref="NextFrameAsync"/>); this class builds each into one frame with <see cref="RequestMessageBuilder"/> (so
/// path and query bindings apply to every message) and hands it out. Only one frame is held at a time. A refused body
/// stops the stream: <see cref="Error"/> says why, and the read fails so the forwarder resets the upstream call.
/// </summary>
internal abstract class StreamedRequestBody : NonSeekableStream
{
    private readonly HttpBinding _binding;
    private readonly IReadOnlyList<PathVariable> _variables;
    private readonly QueryString _query;
    private readonly RequestBuildOptions _options;
    private readonly ArrayBufferWriter<byte> _frame;
    private int _frameOffset;

    protected StreamedRequestBody(PipeReader source, HttpBinding binding, IReadOnlyList<PathVariable> variables, QueryString query, RequestBuildOptions options, int initialFrameBytes)
    {
        Source = source;
        _binding = binding;
        _variables = variables;
        _query = query;
        _options = options;
        _frame = new ArrayBufferWriter<byte>(initialFrameBytes);
    }

    /// <summary>Set when the body was refused; the REST caller gets this status and message.</summary>
    public RequestBodyError? Error { get; private set; }

    /// <summary>Messages sent upstream so far.</summary>
    public abstract int Messages { get; }

    public override bool CanRead => true;

    public override bool CanWrite => false;

    protected PipeReader Source { get; }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            if (_frameOffset == _frame.WrittenCount && !await NextFrameAsync(cancellationToken).ConfigureAwait(false))
            {
                return 0;
            }
        }
        catch (BadHttpRequestException ex)
        {
            // Kestrel refused the body (408: slower than the REST body rate, or a stall): the caller gets that status,
            // not the CANCELLED that the reset upstream call would map to.
            throw Fail(ex.StatusCode, ex.Message);
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

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <summary>Builds the next frame with <see cref="BuildFrame"/>; false once the REST body has ended.</summary>
    protected abstract ValueTask<bool> NextFrameAsync(CancellationToken cancellationToken);

    /// <summary>Replaces the held frame with the message built from <paramref name="body"/>; the builder's refusal, if any.</summary>
    protected RequestBuildError? BuildFrame(ReadOnlySequence<byte> body, string? contentType)
    {
        _frame.ResetWrittenCount();
        _frameOffset = 0;
        GrpcMessagePrefix.Reserve(_frame);
        var error = RequestMessageBuilder.Build(_binding, _variables, _query, body, contentType, _options, _frame);
        if (error is not null)
        {
            return error;
        }

        // The prefix was reserved before the message was built; its length is known only now.
        GrpcMessagePrefix.Complete(MemoryMarshal.AsMemory(_frame.WrittenMemory).Span);
        return null;
    }

    /// <summary>Records why the body was refused; throw the result to stop the stream.</summary>
    protected IOException Fail(int status, string message)
    {
        Error = new RequestBodyError(status, message);
        return new IOException(message);
    }
}
