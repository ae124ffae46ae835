using System.Buffers;

namespace MeshProxy.Transcoding.Rest;

/// <summary>
/// Splits a streamed request body into JSON values, one message each, without buffering the whole body: either one
/// JSON array (<c>[{...}, {...}]</c>) or newline-delimited JSON (values separated by whitespace). Only the value being
/// read is held; a scan resumes where the previous read stopped, so each byte is looked at once.
/// </summary>
/// <remarks>
/// Grammar (RFC 8259 tokens; values themselves are checked by the codec, the splitter finds only their ends):
/// <code>
/// body   = ws ( "[" ws [ value ws *( "," ws value ws ) ] "]" ws  /  *( value ws ) )
/// value  = object / array / string / scalar      ; object and array end at their matching bracket outside strings
/// scalar = 1*( any byte except ws "," "]" "[" "{" "}" )
/// </code>
/// </remarks>
internal sealed class JsonValueSplitter
{
    private Mode _mode;
    private bool _needComma;
    private bool _afterComma;

    // Scan state of the value being read, relative to its first byte.
    private long _scanned;
    private int _depth;
    private bool _inString;
    private bool _escaped;

    private enum Mode
    {
        Start,
        Array,
        Lines,
        Ended,
    }

    /// <summary>Messages returned so far (the index of the next one).</summary>
    public int Index { get; private set; }

    /// <summary>
    /// Takes the next whole value from <paramref name="buffer"/>. Returns true with <paramref name="value"/> set, or
    /// true with <paramref name="value"/> empty at the end of the body; false when more bytes are needed (then
    /// <paramref name="consumed"/> says how far the caller may advance) or on an error.
    /// </summary>
    public bool TryRead(ReadOnlySequence<byte> buffer, bool isFinal, out ReadOnlySequence<byte> value, out SequencePosition consumed, out string? error)
    {
        value = default;
        error = null;
        var reader = new SequenceReader<byte>(buffer);
        while (true)
        {
            SkipWhitespace(ref reader);
            consumed = reader.Position;
            if (!reader.TryPeek(out var next))
            {
                if (!isFinal)
                {
                    return false;
                }

                if (_mode == Mode.Array)
                {
                    error = "the JSON array of messages is not closed";
                    return false;
                }

                _mode = Mode.Ended;
                return true;
            }

            switch (_mode)
            {
                case Mode.Ended:
                    error = $"unexpected data after the end of the JSON array at message {Index}";
                    return false;
                case Mode.Start:
                    if (next == (byte)'[')
                    {
                        reader.Advance(1);
                        _mode = Mode.Array;
                        continue;
                    }

                    _mode = Mode.Lines;
                    continue;
                case Mode.Array when next == (byte)']':
                    if (_afterComma)
                    {
                        error = $"expected a JSON value for message {Index} after ','";
                        return false;
                    }

                    reader.Advance(1);
                    _mode = Mode.Ended;
                    continue;
                case Mode.Array when _needComma:
                    if (next != (byte)',')
                    {
                        error = $"expected ',' or ']' after message {Index - 1}";
                        return false;
                    }

                    reader.Advance(1);
                    _needComma = false;
                    _afterComma = true;
                    SkipWhitespace(ref reader);
                    consumed = reader.Position;
                    if (!reader.TryPeek(out _))
                    {
                        // Keep the comma consumed; the value follows in a later read.
                        return isFinal ? Fail("the JSON array of messages is not closed", out error) : false;
                    }

                    break;
            }

            break;
        }

        var start = reader.Position;
        var rest = buffer.Slice(start);
        if (!FindEnd(rest, isFinal, out var length))
        {
            consumed = start;
            if (isFinal)
            {
                error = $"message {Index} is not a complete JSON value";
            }

            return false;
        }

        if (length == 0)
        {
            error = $"expected a JSON value for message {Index}";
            return false;
        }

        value = rest.Slice(0, length);
        consumed = rest.GetPosition(length);
        _scanned = 0;
        _depth = 0;
        _inString = false;
        _escaped = false;
        _needComma = _mode == Mode.Array;
        _afterComma = false;
        Index++;
        return true;
    }

    private static bool Fail(string message, out string? error)
    {
        error = message;
        return false;
    }

    private bool FindEnd(ReadOnlySequence<byte> rest, bool isFinal, out long length)
    {
        var first = rest.FirstSpan.Length > 0 ? rest.FirstSpan[0] : rest.Slice(0, 1).ToArray()[0];
        var structured = first is (byte)'{' or (byte)'[' or (byte)'"';
        var position = _scanned;
        foreach (var segment in rest.Slice(_scanned))
        {
            var span = segment.Span;
            for (var i = 0; i < span.Length; i++, position++)
            {
                var b = span[i];
                if (!structured)
                {
                    if (IsWhitespace(b) || b is (byte)',' or (byte)']' or (byte)'[' or (byte)'{' or (byte)'}')
                    {
                        length = position;
                        return true;
                    }

                    continue;
                }

                if (_inString)
                {
                    if (_escaped)
                    {
                        _escaped = false;
                    }
                    else if (b == (byte)'\\')
                    {
                        _escaped = true;
                    }
                    else if (b == (byte)'"')
                    {
                        _inString = false;
                        if (_depth == 0)
                        {
                            length = position + 1;
                            return true;
                        }
                    }

                    continue;
                }

                switch (b)
                {
                    case (byte)'"':
                        _inString = true;
                        break;
                    case (byte)'{' or (byte)'[':
                        _depth++;
                        break;
                    case (byte)'}' or (byte)']':
                        _depth--;
                        if (_depth == 0)
                        {
                            length = position + 1;
                            return true;
                        }

                        break;
                }
            }
        }

        _scanned = position;
        if (!structured && isFinal && position > 0)
        {
            length = position;
            return true;
        }

        length = 0;
        return false;
    }

    private static void SkipWhitespace(ref SequenceReader<byte> reader)
    {
        while (reader.TryPeek(out var b) && IsWhitespace(b))
        {
            reader.Advance(1);
        }
    }

    private static bool IsWhitespace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';
}
