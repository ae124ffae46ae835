using System.Text;

namespace MeshProxy.Transcoding.Json;

/// <summary>
/// The path to the value being converted, kept as a cheap stack of segments and turned into text
/// (<c>$.items[3].price</c>, map keys as <c>["key"]</c>) only when an error is reported.
/// </summary>
internal sealed class JsonPathBuilder
{
    private (string? Name, int Index)[] _segments = new (string?, int)[16];
    private int _count;

    public void Reset() => _count = 0;

    public void PushField(string name) => Push((name, -1));

    public void PushIndex(int index) => Push((null, index));

    /// <summary>A map key; stored with index -2 so it renders as <c>["key"]</c>.</summary>
    public void PushKey(string key) => Push((key, -2));

    public void SetIndex(int index) => _segments[_count - 1].Index = index;

    public void Pop() => _count--;

    public override string ToString()
    {
        var builder = new StringBuilder("$");
        for (var i = 0; i < _count; i++)
        {
            var (name, index) = _segments[i];
            if (index == -1)
            {
                builder.Append('.').Append(name);
            }
            else if (index == -2)
            {
                builder.Append("[\"").Append(name).Append("\"]");
            }
            else
            {
                builder.Append('[').Append(index).Append(']');
            }
        }

        return builder.ToString();
    }

    private void Push((string?, int) segment)
    {
        if (_count == _segments.Length)
        {
            Array.Resize(ref _segments, _count * 2);
        }

        _segments[_count++] = segment;
    }
}
