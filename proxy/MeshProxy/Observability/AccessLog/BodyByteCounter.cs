using System.IO.Pipelines;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace MeshProxy.Observability.AccessLog;

/// <summary>
/// Counts the body bytes a logged call read from its caller and wrote back (Envoy's BYTES_RECEIVED and BYTES_SENT:
/// the gRPC body, length prefixes included, without HTTP/2 framing). Installed only on calls the access log keeps, so
/// calls it skips pay nothing.
/// </summary>
internal sealed class BodyByteCounter : IHttpResponseBodyFeature
{
    private readonly IHttpResponseBodyFeature _inner;
    private CountingWriteStream? _stream;
    private CountingPipeWriter? _writer;
    private long _received;

    private BodyByteCounter(IHttpResponseBodyFeature inner) => _inner = inner;

    public long Received => Interlocked.Read(ref _received);

    public long Sent => (_stream?.Written ?? 0) + (_writer?.Written ?? 0);

    Stream IHttpResponseBodyFeature.Stream => _stream ??= new CountingWriteStream(_inner.Stream);

    PipeWriter IHttpResponseBodyFeature.Writer => _writer ??= new CountingPipeWriter(_inner.Writer);

    public static BodyByteCounter Install(HttpContext context)
    {
        var counter = new BodyByteCounter(context.Features.GetRequiredFeature<IHttpResponseBodyFeature>());
        context.Features.Set<IHttpResponseBodyFeature>(counter);
        context.Request.Body = new CountingReadStream(context.Request.Body, counter);
        return counter;
    }

    internal void AddReceived(int count) => Interlocked.Add(ref _received, count);

    void IHttpResponseBodyFeature.DisableBuffering() => _inner.DisableBuffering();

    Task IHttpResponseBodyFeature.StartAsync(CancellationToken cancellationToken) => _inner.StartAsync(cancellationToken);

    Task IHttpResponseBodyFeature.SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken) =>
        SendFileFallback.SendFileAsync(((IHttpResponseBodyFeature)this).Stream, path, offset, count, cancellationToken);

    async Task IHttpResponseBodyFeature.CompleteAsync()
    {
        if (_writer is not null)
        {
            await _writer.FlushAsync().ConfigureAwait(false);
        }

        await _inner.CompleteAsync().ConfigureAwait(false);
    }
}
