using System.Buffers;
using System.IO.Pipelines;
using MeshProxy.Transcoding.Rules;
using Microsoft.AspNetCore.Http;

namespace MeshProxy.Transcoding.Rest;

/// <summary>
/// A streamed REST body that is a JSON array or newline-delimited JSON: one message per JSON value, each within the
/// per-message limit, and a refusal names the value (<c>$[2].amount</c>).
/// </summary>
internal sealed class JsonStreamRequestBody(PipeReader source, HttpBinding binding, IReadOnlyList<PathVariable> variables, QueryString query, RequestBuildOptions options, int maxMessageBytes)
    : StreamedRequestBody(source, binding, variables, query, options, 256)
{
    private readonly int _maxMessageBytes = maxMessageBytes;
    private readonly JsonValueSplitter _splitter = new();
    private bool _ended;

    public override int Messages => _splitter.Index;

    protected override async ValueTask<bool> NextFrameAsync(CancellationToken cancellationToken)
    {
        if (_ended)
        {
            return false;
        }

        while (true)
        {
            var result = await ReadSourceAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (_splitter.TryRead(buffer, result.IsCompleted, out var value, out var consumed, out var error))
            {
                if (value.IsEmpty)
                {
                    Source.AdvanceTo(buffer.End);
                    _ended = true;
                    return false;
                }

                var index = _splitter.Index - 1;
                if (value.Length > _maxMessageBytes)
                {
                    Source.AdvanceTo(consumed);
                    throw Fail(StatusCodes.Status413PayloadTooLarge, $"$[{index}]: the message is {value.Length} bytes, larger than the limit of {_maxMessageBytes}");
                }

                // Handed back even when the message is refused: a read of Kestrel's body never advanced leaves it
                // "reading", its drain then fails and the connection is dropped after a keep-alive response.
                try
                {
                    Frame(value, index);
                }
                finally
                {
                    Source.AdvanceTo(consumed);
                }

                return true;
            }

            if (error is not null)
            {
                Source.AdvanceTo(consumed);
                throw Fail(StatusCodes.Status400BadRequest, error);
            }

            if (buffer.Slice(consumed).Length > _maxMessageBytes)
            {
                Source.AdvanceTo(consumed);
                throw Fail(StatusCodes.Status413PayloadTooLarge, $"$[{_splitter.Index}]: the message is larger than the limit of {_maxMessageBytes} bytes");
            }

            Source.AdvanceTo(consumed, buffer.End);
        }
    }

    private void Frame(ReadOnlySequence<byte> json, int index)
    {
        if (BuildFrame(json, "application/json") is { } error)
        {
            // Point the JSON path into the stream: "$.amount" of the third message is "$[2].amount".
            var root = error.Message.IndexOf('$', StringComparison.Ordinal);
            var message = root < 0 ? $"message {index}: {error.Message}" : $"{error.Message[..root]}$[{index}]{error.Message[(root + 1)..]}";
            throw Fail(error.HttpStatus, message);
        }
    }
}
