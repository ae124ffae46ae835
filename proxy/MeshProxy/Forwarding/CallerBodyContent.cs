using System.Net;
using Microsoft.AspNetCore.Http;

namespace MeshProxy.Forwarding;

/// <summary>
/// The upstream request's content: the caller's body, copied as the upstream client asks for it. How the copy ended
/// is kept apart from what the client sees (<see cref="Copied"/>), so the forwarder can tell a caller that stopped
/// sending from an upstream that stopped reading, whichever failed first.
/// </summary>
internal sealed class CallerBodyContent : HttpContent
{
    private readonly HttpRequest _request;
    private readonly bool _streaming;
    private readonly StreamIdleSource _idle;
    private readonly TaskCompletionSource<(CopyResult Result, Exception? Error)> _copied = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _started;

    /// <summary>The caller's body of <paramref name="request"/>, flushed upstream write by write when <paramref name="streaming"/>.</summary>
    public CallerBodyContent(HttpRequest request, bool streaming, StreamIdleSource idle)
    {
        _request = request;
        _streaming = streaming;
        _idle = idle;
    }

    /// <summary>How the copy ended; completes only once it started (<see cref="Started"/>).</summary>
    public Task<(CopyResult Result, Exception? Error)> Copied => _copied.Task;

    /// <summary>The client began to send the body.</summary>
    public bool Started => Volatile.Read(ref _started) == 1;

    /// <summary>The body is being sent now.</summary>
    public bool InProgress => Started && !Copied.IsCompleted;

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _started, 1) == 1)
        {
            throw new InvalidOperationException("The caller's body was already sent.");
        }

        // The client's token (it stops wanting the body: a reset, a lost connection) and the call's own are both
        // honoured. A client that sends under the call's own token (the retry pump) flushes each write itself, and
        // leaves nothing to link.
        var flushEachWrite = _streaming && cancellationToken != _idle.Token;
        CancellationTokenSource? linked = null;
        if (cancellationToken == _idle.Token || !cancellationToken.CanBeCanceled)
        {
            cancellationToken = _idle.Token;
        }
        else
        {
            linked = CancellationTokenSource.CreateLinkedTokenSource(_idle.Token, cancellationToken);
            cancellationToken = linked.Token;
        }

        try
        {
            // The request's HEADERS go now, before the first byte of the body is read: a server may answer first.
            try
            {
                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException ex)
            {
                _copied.TrySetResult((CopyResult.Canceled, ex));
                return;
            }
            catch (Exception ex)
            {
                _copied.TrySetResult((CopyResult.OutputError, ex));
                return;
            }

            var (result, error) = await BodyCopy.CopyAsync(
                _request.Body, stream, Headers.ContentLength ?? BodyCopy.UnknownLength, flushEachWrite, _idle, cancellationToken).ConfigureAwait(false);
            _copied.TrySetResult((result, error));

            // The client must learn that the body is incomplete, by an exception of its own (the copy's is the forwarder's).
            if (result == CopyResult.InputError)
            {
                throw new IOException("An error occurred when reading the request body from the client.", error);
            }

            if (result == CopyResult.Canceled)
            {
                throw new OperationCanceledException("The request body copy was canceled.", error);
            }
        }
        finally
        {
            linked?.Dispose();
        }
    }

    protected override Task<Stream> CreateContentReadStreamAsync() => throw new NotSupportedException("the caller's body is only sent, never read back");

    protected override bool TryComputeLength(out long length)
    {
        length = -1;
        return false;
    }
}
