namespace MeshProxy.IO;

/// <summary>
/// Base of the proxy's body streams (wrappers that count, record, frame or capture bytes on their way): forward-only,
/// so length, position and seeking are not supported. Subclasses say whether they read or write.
/// </summary>
internal abstract class NonSeekableStream : Stream
{
    public sealed override bool CanSeek => false;

    public sealed override long Length => throw new NotSupportedException();

    public sealed override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public sealed override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public sealed override void SetLength(long value) => throw new NotSupportedException();
}
