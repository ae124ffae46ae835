using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Text;
using MeshProxy.Grpc;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace MeshProxy.Browser;

/// <summary>
/// The response side of a gRPC-Web call while it runs through the gRPC pipeline: the body (base64 for a text call),
/// trailers kept here (the transform copies upstream trailers into a writable <see cref="IHttpResponseTrailersFeature"/>) and
/// written into the body as the trailer frame when the response completes (PROTOCOL-WEB.md: flag 0x80, then
/// <c>name: value\r\n</c> lines with lower-case names), and a reset that HTTP/1.1 can only honour by closing the connection.
/// </summary>
internal sealed class GrpcWebResponse : IHttpResponseBodyFeature, IHttpResponseTrailersFeature, IHttpResetFeature
{
    private const byte TrailerFlag = 0x80;

    private readonly HttpContext _context;
    private readonly IHttpResponseBodyFeature _inner;
    private readonly IHttpResponseTrailersFeature? _innerTrailers;
    private readonly IHttpResetFeature? _innerReset;
    private readonly Stream _stream;
    private PipeWriter? _writer;
    private bool _trailersWritten;

    private GrpcWebResponse(HttpContext context, bool text)
    {
        _context = context;
        _inner = context.Features.GetRequiredFeature<IHttpResponseBodyFeature>();
        _innerTrailers = context.Features.Get<IHttpResponseTrailersFeature>();
        _innerReset = context.Features.Get<IHttpResetFeature>();
        _stream = text ? new Base64ResponseStream(_inner.Stream) : _inner.Stream;
    }

    public Stream Stream => _stream;

    public PipeWriter Writer => _writer ??= PipeWriter.Create(_stream, new StreamPipeWriterOptions(leaveOpen: true));

    public IHeaderDictionary Trailers { get; set; } = new HeaderDictionary();

    /// <summary>Puts the feature on the context; <see cref="Detach"/> restores what was there.</summary>
    public static GrpcWebResponse Attach(HttpContext context, bool text)
    {
        var response = new GrpcWebResponse(context, text);
        context.Features.Set<IHttpResponseBodyFeature>(response);
        context.Features.Set<IHttpResponseTrailersFeature>(response);
        context.Features.Set<IHttpResetFeature>(response);
        return response;
    }

    public void Detach()
    {
        _context.Features.Set(_inner);
        _context.Features.Set(_innerTrailers);
        _context.Features.Set(_innerReset);
    }

    public void DisableBuffering() => _inner.DisableBuffering();

    public Task StartAsync(CancellationToken cancellationToken = default) => _inner.StartAsync(cancellationToken);

    public Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("A gRPC response is never a file.");

    public async Task CompleteAsync()
    {
        await WriteTrailersAsync().ConfigureAwait(false);
        await _inner.CompleteAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// HTTP/2 resets the stream; HTTP/1.1 has no stream to reset and closes the connection, which the client reads as
    /// a failed call rather than as a response that ended cleanly without trailers.
    /// </summary>
    public void Reset(int errorCode)
    {
        _trailersWritten = true;
        if (_innerReset is not null)
        {
            _innerReset.Reset(errorCode);
        }
        else
        {
            _context.Abort();
        }
    }

    /// <summary>Writes the trailer frame once, when there are trailers (a Trailers-Only reply has its status in the headers).</summary>
    public async Task WriteTrailersAsync()
    {
        if (_trailersWritten || Trailers.Count == 0)
        {
            return;
        }

        _trailersWritten = true;
        if (_writer is not null)
        {
            await _writer.FlushAsync().ConfigureAwait(false);
        }

        // The messages end their base64 chunk first, so the trailer frame is a chunk of its own.
        await _stream.FlushAsync().ConfigureAwait(false);
        var text = new StringBuilder();
        foreach (var (name, values) in Trailers)
        {
            foreach (var value in values)
            {
                text.Append(name.ToLowerInvariant()).Append(": ").Append(value).Append("\r\n");
            }
        }

        var block = Encoding.ASCII.GetBytes(text.ToString());
        var frame = new byte[GrpcProtocol.MessagePrefixLength + block.Length];
        frame[0] = TrailerFlag;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)block.Length);
        block.CopyTo(frame, GrpcProtocol.MessagePrefixLength);
        await _stream.WriteAsync(frame).ConfigureAwait(false);
        await _stream.FlushAsync().ConfigureAwait(false);
    }
}
