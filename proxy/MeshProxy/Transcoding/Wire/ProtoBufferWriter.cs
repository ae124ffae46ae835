using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;

namespace MeshProxy.Transcoding.Wire;

/// <summary>
/// Writes protobuf into one pooled, growable buffer. Length-delimited values (submessages, packed runs) need their
/// length before their bytes; JSON gives the bytes first. We reserve ONE byte for the length, write the body, and
/// on <see cref="EndLengthPrefixed"/> move the body right by the extra varint bytes when it is 128 bytes or longer.
/// Why: most submessages are short, so the common case costs nothing and the output stays canonical (a padded
/// 5-byte varint slot would avoid the move but bloat every small message by four bytes). The move is a memmove of
/// the body only, at most once per nesting level, bounded by the depth limit.
/// </summary>
internal sealed class ProtoBufferWriter : IDisposable
{
    private byte[] _buffer;
    private int _position;

    public ProtoBufferWriter(int initialCapacity = 4096)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(initialCapacity);
    }

    public int Length => _position;

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _position);

    public void Reset() => _position = 0;

    public void WriteTag(uint tag) => WriteVarint32(tag);

    public void WriteVarint32(uint value)
    {
        if (value < 0x80)
        {
            Ensure(1);
            _buffer[_position++] = (byte)value;
            return;
        }

        WriteVarint64(value);
    }

    public void WriteVarint64(ulong value)
    {
        Ensure(10);
        var buffer = _buffer;
        var position = _position;
        while (value >= 0x80)
        {
            buffer[position++] = (byte)(value | 0x80);
            value >>= 7;
        }

        buffer[position++] = (byte)value;
        _position = position;
    }

    public void WriteFixed32(uint value)
    {
        Ensure(4);
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer.AsSpan(_position), value);
        _position += 4;
    }

    public void WriteFixed64(ulong value)
    {
        Ensure(8);
        BinaryPrimitives.WriteUInt64LittleEndian(_buffer.AsSpan(_position), value);
        _position += 8;
    }

    /// <summary>Writes a length prefix and the bytes (string, bytes).</summary>
    public void WriteLengthPrefixed(ReadOnlySpan<byte> bytes)
    {
        WriteVarint32((uint)bytes.Length);
        WriteRaw(bytes);
    }

    public void WriteRaw(ReadOnlySpan<byte> bytes)
    {
        Ensure(bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(_position));
        _position += bytes.Length;
    }

    /// <summary>Gets room for <paramref name="sizeHint"/> bytes that the caller fills, then commits with <see cref="Advance"/>.</summary>
    public Span<byte> GetSpan(int sizeHint)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_position);
    }

    public void Advance(int count) => _position += count;

    /// <summary>Reserves the one-byte length slot; returns the bookmark to pass to <see cref="EndLengthPrefixed"/>.</summary>
    public int BeginLengthPrefixed()
    {
        Ensure(1);
        return _position++;
    }

    public void EndLengthPrefixed(int bookmark)
    {
        var bodyStart = bookmark + 1;
        var length = (uint)(_position - bodyStart);
        if (length < 0x80)
        {
            _buffer[bookmark] = (byte)length;
            return;
        }

        var extra = VarintSize(length) - 1;
        Ensure(extra);
        var buffer = _buffer;
        Buffer.BlockCopy(buffer, bodyStart, buffer, bodyStart + extra, (int)length);
        var position = bookmark;
        while (length >= 0x80)
        {
            buffer[position++] = (byte)(length | 0x80);
            length >>= 7;
        }

        buffer[position] = (byte)length;
        _position += extra;
    }

    /// <summary>Drops everything written after <paramref name="length"/> (an abandoned, optional value).</summary>
    public void Truncate(int length) => _position = length;

    public void CopyTo(IBufferWriter<byte> destination)
    {
        var span = destination.GetSpan(_position);
        WrittenSpan.CopyTo(span);
        destination.Advance(_position);
    }

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        _position = 0;
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public static int VarintSize(ulong value) => (BitOperations.Log2(value | 1) / 7) + 1;

    private void Ensure(int count)
    {
        if (_buffer.Length - _position < count)
        {
            Grow(count);
        }
    }

    private void Grow(int count)
    {
        var needed = (long)_position + count;
        var size = Math.Max(needed, Math.Max(_buffer.Length * 2L, 256));
        if (size > Array.MaxLength)
        {
            size = needed <= Array.MaxLength ? Array.MaxLength : throw new InvalidOperationException("Protobuf output exceeds the largest array.");
        }

        var next = ArrayPool<byte>.Shared.Rent((int)size);
        _buffer.AsSpan(0, _position).CopyTo(next);
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
        }

        _buffer = next;
    }
}
