using System.Text;

namespace MeshProxy.Transcoding.Json;

/// <summary>
/// The path to the value being converted, kept as a cheap stack of segments and turned into text
/// (<c>$.items[3].price</c>, map keys as <c>["key"]</c>) only when an error is reported. Map keys are copied as UTF-8
/// into a reusable arena, so tracking them allocates nothing per entry.
/// </summary>
internal sealed class JsonPathBuilder
{
    private const int FieldKind = -1;
    private const int KeyKind = -2;

    private Segment[] _segments = new Segment[16];
    private int _count;
    private byte[] _keys = new byte[256];
    private int _keysLength;

    public void Reset()
    {
        _count = 0;
        _keysLength = 0;
    }

    public void PushField(string name) => Push(new Segment(name, FieldKind, 0, 0));

    public void PushIndex(int index) => Push(new Segment(null, index, 0, 0));

    /// <summary>A map or Struct key, given as UTF-8.</summary>
    public void PushKey(ReadOnlySpan<byte> utf8)
    {
        if (_keys.Length - _keysLength < utf8.Length)
        {
            Array.Resize(ref _keys, Math.Max(_keys.Length * 2, _keysLength + utf8.Length));
        }

        utf8.CopyTo(_keys.AsSpan(_keysLength));
        Push(new Segment(null, KeyKind, _keysLength, utf8.Length));
        _keysLength += utf8.Length;
    }

    /// <summary>A map key already held as a string.</summary>
    public void PushKey(string key) => Push(new Segment(key, KeyKind, _keysLength, -1));

    public void SetIndex(int index) => _segments[_count - 1].Index = index;

    public void Pop()
    {
        var segment = _segments[--_count];
        if (segment.Index == KeyKind && segment.KeyLength >= 0)
        {
            _keysLength = segment.KeyOffset;
        }
    }

    public override string ToString()
    {
        var builder = new StringBuilder("$");
        for (var i = 0; i < _count; i++)
        {
            var segment = _segments[i];
            if (segment.Index == FieldKind)
            {
                builder.Append('.').Append(segment.Name);
            }
            else if (segment.Index == KeyKind)
            {
                var key = segment.KeyLength >= 0 ? Encoding.UTF8.GetString(_keys, segment.KeyOffset, segment.KeyLength) : segment.Name;
                builder.Append("[\"").Append(key).Append("\"]");
            }
            else
            {
                builder.Append('[').Append(segment.Index).Append(']');
            }
        }

        return builder.ToString();
    }

    private void Push(Segment segment)
    {
        if (_count == _segments.Length)
        {
            Array.Resize(ref _segments, _count * 2);
        }

        _segments[_count++] = segment;
    }

    private record struct Segment(string? Name, int Index, int KeyOffset, int KeyLength);
}
