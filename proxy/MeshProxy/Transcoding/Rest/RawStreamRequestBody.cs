using System.Buffers;
using System.IO.Pipelines;
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
internal sealed class RawStreamRequestBody(PipeReader source, HttpBinding binding, IReadOnlyList<PathVariable> variables, QueryString query,
    string? contentType, RequestBuildOptions options, int maxMessageBytes)
    : StreamedRequestBody(source, binding, variables, query, options, MaxChunkBytes + 256)
{
    /// <summary>The largest chunk per message (64 KiB: well under gRPC's usual 4 MiB limit, large enough to be cheap).</summary>
    public const int MaxChunkBytes = 64 * 1024;

    private readonly string? _contentType = contentType;
    private readonly int _chunkBytes = Math.Clamp(maxMessageBytes, 1, MaxChunkBytes);
    private int _messages;
    private bool _ended;

    public override int Messages => _messages;

    protected override async ValueTask<bool> NextFrameAsync(CancellationToken cancellationToken)
    {
        if (_ended)
        {
            return false;
        }

        var result = await ReadSourceAsync(cancellationToken).ConfigureAwait(false);
        var buffer = result.Buffer;
        if (buffer.IsEmpty && result.IsCompleted)
        {
            Source.AdvanceTo(buffer.End);
            _ended = true;

            // An empty upload is still one call with one (empty) message, so the backend sees the content type and bindings.
            if (_messages == 0)
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
            Source.AdvanceTo(chunk.End);
        }

        return true;
    }

    private void Frame(ReadOnlySequence<byte> chunk)
    {
        if (BuildFrame(chunk, _contentType) is { } error)
        {
            throw Fail(error.HttpStatus, error.Message);
        }

        _messages++;
    }
}
