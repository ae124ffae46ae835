using System.Buffers;

namespace MeshProxy.Upstream;

/// <summary>
/// Frames waiting for the socket: a growable array from the shared pool, written under the connection's lock and sent
/// as one write. Two of them alternate, so callers append to one while the other is on the wire.
/// </summary>
internal sealed class OutputBuffer : IBufferWriter<byte>
{
    // Past this size a buffer that grew for a burst (a large message) goes back to the pool after it is sent.
    private const int KeepAtMost = 64 * 1024;
    private const int Initial = 4096;
    private byte[] _array = ArrayPool<byte>.Shared.Rent(Initial);

    public int Length { get; private set; }

    public ReadOnlyMemory<byte> Written => _array.AsMemory(0, Length);

    public void Advance(int count) => Length += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _array.AsMemory(Length);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _array.AsSpan(Length);
    }

    public void Write(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(GetSpan(bytes.Length));
        Length += bytes.Length;
    }

    public void Clear()
    {
        Length = 0;
        if (_array.Length > KeepAtMost)
        {
            ArrayPool<byte>.Shared.Return(_array);
            _array = ArrayPool<byte>.Shared.Rent(Initial);
        }
    }

    private void Ensure(int sizeHint)
    {
        var needed = Length + Math.Max(sizeHint, 1);
        if (needed <= _array.Length)
        {
            return;
        }

        var larger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, _array.Length * 2));
        _array.AsSpan(0, Length).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(_array);
        _array = larger;
    }
}
