using System.Buffers;
using System.IO.Pipelines;
using MeshProxy.Grpc;
using MeshProxy.Grpc.Framing;
using MeshProxy.IO;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace MeshProxy.Transcoding.Rest;

/// <summary>
/// The response side of the inner gRPC call: what the forwarder (or <c>GrpcProxyEndpoint</c> for a Trailers-Only refusal)
/// writes lands here instead of on the wire. Status and headers are kept, trailers are kept (the transform copies upstream
/// trailers when <see cref="IHttpResponseTrailersFeature.Trailers"/> is writable), and the body is split into gRPC
/// length-prefixed messages (PROTOCOL-HTTP2.md, Length-Prefixed-Message) handed one by one to a callback that turns
/// them into JSON on the real response as they arrive.
/// </summary>
internal sealed class UpstreamResponseCapture : IHttpResponseFeature, IHttpResponseBodyFeature, IHttpResponseTrailersFeature
{
    private readonly HttpResponse _outer;
    private readonly Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask> _onMessage;
    private readonly int _maxMessageBytes;
    private readonly CaptureStream _stream;
    private PipeWriter? _writer;
    private byte[] _buffer = [];
    private int _length;

    public UpstreamResponseCapture(HttpResponse outer, int maxMessageBytes, Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask> onMessage)
    {
        _outer = outer;
        _maxMessageBytes = maxMessageBytes;
        _onMessage = onMessage;
        _stream = new CaptureStream(this);
    }

    public int StatusCode { get; set; } = StatusCodes.Status200OK;

    public string? ReasonPhrase { get; set; }

    public IHeaderDictionary Headers { get; set; } = new HeaderDictionary();

    [Obsolete("Use IHttpResponseBodyFeature.Stream.")]
    public Stream Body
    {
        get => _stream;
        set => throw new NotSupportedException("The transcoder owns the body of the inner gRPC call.");
    }

    public bool HasStarted { get; private set; }

    public IHeaderDictionary Trailers { get; set; } = new HeaderDictionary();

    public Stream Stream => _stream;

    public PipeWriter Writer => _writer ??= PipeWriter.Create(_stream, new StreamPipeWriterOptions(leaveOpen: true));

    /// <summary>Messages seen so far.</summary>
    public int MessageCount { get; private set; }

    /// <summary>Set when the upstream body broke the framing (a truncated or oversized message, compression).</summary>
    public string? FramingError { get; private set; }

    /// <summary>True once the inner call ended its response (CompleteAsync).</summary>
    public bool Completed { get; private set; }

    public void OnStarting(Func<object, Task> callback, object state) => _outer.OnStarting(callback, state);

    public void OnCompleted(Func<object, Task> callback, object state) => _outer.OnCompleted(callback, state);

    public void DisableBuffering()
    {
    }

    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        HasStarted = true;
        return Task.CompletedTask;
    }

    public Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("A gRPC response is never a file.");

    public async Task CompleteAsync()
    {
        HasStarted = true;
        if (_writer is not null)
        {
            await _writer.FlushAsync().ConfigureAwait(false);
        }

        Completed = true;
        if (_length > 0 && FramingError is null)
        {
            FramingError = "the upstream response ended inside a length-prefixed message";
        }
    }

    private async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        HasStarted = true;
        if (FramingError is not null)
        {
            // Already broken: the call is being torn down, drop the rest.
            return;
        }

        Append(data.Span);
        var offset = 0;
        while (_length - offset >= GrpcProtocol.MessagePrefixLength)
        {
            var (flag, size) = GrpcMessagePrefix.Read(_buffer.AsSpan(offset));
            if (flag != 0)
            {
                // We ask for grpc-accept-encoding: identity, so a compressed message breaks the contract.
                FramingError = flag == 1 ? "the upstream compressed a message although the transcoder accepts identity only" : $"invalid compressed flag {flag}";
                return;
            }

            if (size > (uint)_maxMessageBytes)
            {
                FramingError = $"an upstream message of {size} bytes is larger than the limit of {_maxMessageBytes}";
                return;
            }

            var end = offset + GrpcProtocol.MessagePrefixLength + (int)size;
            if (end > _length)
            {
                break;
            }

            MessageCount++;
            await _onMessage(_buffer.AsMemory(offset + GrpcProtocol.MessagePrefixLength, (int)size), cancellationToken).ConfigureAwait(false);
            offset = end;
        }

        if (offset > 0)
        {
            _buffer.AsSpan(offset, _length - offset).CopyTo(_buffer);
            _length -= offset;
        }
    }

    private void Append(ReadOnlySpan<byte> data)
    {
        if (_length + data.Length > _buffer.Length)
        {
            var next = ArrayPool<byte>.Shared.Rent(Math.Max(_length + data.Length, Math.Max(4096, _buffer.Length * 2)));
            _buffer.AsSpan(0, _length).CopyTo(next);
            if (_buffer.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(_buffer);
            }

            _buffer = next;
        }

        data.CopyTo(_buffer.AsSpan(_length));
        _length += data.Length;
    }

    /// <summary>Returns the pooled buffer; the capture is not used afterwards.</summary>
    public void Release()
    {
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
            _length = 0;
        }
    }

    private sealed class CaptureStream(UpstreamResponseCapture owner) : NonSeekableStream
    {
        public override bool CanRead => false;

        public override bool CanWrite => true;

        public override void Flush()
        {
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) =>
            owner.WriteAsync(buffer.AsMemory(offset, count), CancellationToken.None).AsTask().GetAwaiter().GetResult();

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            owner.WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            owner.WriteAsync(buffer, cancellationToken);
    }
}
