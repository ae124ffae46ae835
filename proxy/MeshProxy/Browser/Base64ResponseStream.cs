using System.Buffers;
using System.Buffers.Text;
using MeshProxy.IO;

namespace MeshProxy.Browser;

/// <summary>
/// Writes what it is given as base64 to the inner stream, for <c>grpc-web-text</c> responses (PROTOCOL-WEB.md). Whole
/// 3-byte groups are encoded as they come; the 0-2 bytes left over wait for the next write, and a flush ends the chunk
/// with padding, so every flushed message (and the trailer frame) is a complete padded base64 chunk, which gRPC-Web
/// clients decode one after another.
/// </summary>
internal sealed class Base64ResponseStream(Stream inner) : NonSeekableStream
{
    private readonly byte[] _remainder = new byte[2];
    private int _remainderLength;

    public override bool CanRead => false;

    public override bool CanWrite => true;

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) =>
        WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var total = _remainderLength + buffer.Length;
        var whole = total - total % 3;
        if (whole == 0)
        {
            buffer.Span.CopyTo(_remainder.AsSpan(_remainderLength));
            _remainderLength = total;
            return;
        }

        var plain = ArrayPool<byte>.Shared.Rent(whole);
        var encoded = ArrayPool<byte>.Shared.Rent(whole / 3 * 4);
        try
        {
            _remainder.AsSpan(0, _remainderLength).CopyTo(plain);
            var fromBuffer = whole - _remainderLength;
            buffer.Span[..fromBuffer].CopyTo(plain.AsSpan(_remainderLength));
            buffer.Span[fromBuffer..].CopyTo(_remainder);
            _remainderLength = buffer.Length - fromBuffer;
            Base64.EncodeToUtf8(plain.AsSpan(0, whole), encoded, out _, out var written);
            await inner.WriteAsync(encoded.AsMemory(0, written), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(plain);
            ArrayPool<byte>.Shared.Return(encoded);
        }
    }

    public override void Flush() => FlushAsync().GetAwaiter().GetResult();

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_remainderLength > 0)
        {
            var encoded = new byte[4];
            Base64.EncodeToUtf8(_remainder.AsSpan(0, _remainderLength), encoded, out _, out _);
            _remainderLength = 0;
            await inner.WriteAsync(encoded, cancellationToken).ConfigureAwait(false);
        }

        await inner.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
