using System.Net;
using MeshProxy.IO;

namespace MeshProxy.Upstream;

/// <summary>The content of an upstream response: its body stream, handed out once.</summary>
internal sealed class Http2ResponseContent(Http2Stream stream) : HttpContent
{
    private Http2ResponseBodyStream? _body;

    protected override Task<Stream> CreateContentReadStreamAsync() => Task.FromResult<Stream>(Body());

    protected override Task<Stream> CreateContentReadStreamAsync(CancellationToken cancellationToken) => CreateContentReadStreamAsync();

    protected override Stream CreateContentReadStream(CancellationToken cancellationToken) => Body();

    protected override Task SerializeToStreamAsync(Stream destination, TransportContext? context) =>
        SerializeToStreamAsync(destination, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream destination, TransportContext? context, CancellationToken cancellationToken)
    {
        await using var body = Body();
        await body.CopyToAsync(destination, cancellationToken).ConfigureAwait(false);
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            // A response disposed unread still has to release its stream (and reset it if the server is still sending).
            if (_body is null)
            {
                stream.OnResponseDisposed();
            }
            else
            {
                _body.Dispose();
            }
        }

        base.Dispose(disposing);
    }

    /// <summary>
    /// True when the lean client keeps the response's fields in <see cref="Fields"/> and <see cref="TrailerFields"/>
    /// rather than in the message's collections: the call took the caller's headers, so the proxy forwards these too
    /// (<see cref="UpstreamResponseFields"/>).
    /// </summary>
    public bool KeepsFields => stream.KeepsFields;

    /// <summary>The response's header fields when <see cref="KeepsFields"/> and there were any; otherwise null.</summary>
    public HeaderFieldList? Fields => stream.ResponseFields;

    /// <summary>The response's trailer fields when <see cref="KeepsFields"/> and they have arrived; otherwise null.</summary>
    public HeaderFieldList? TrailerFields => stream.TrailerFields;

    /// <summary>Makes every read of the body wait for <paramref name="pacer"/> first (<see cref="Http2ResponseBodyStream.Pacer"/>).</summary>
    public void PaceReadsBy(IReadPacer pacer) => Body().Pacer = pacer;

    private Http2ResponseBodyStream Body() => _body ??= new Http2ResponseBodyStream(stream);
}
