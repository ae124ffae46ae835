using System.Buffers;
using System.Text.Json;
using Google.Protobuf.Reflection;
using MeshProxy.Transcoding.Descriptors;
using MeshProxy.Transcoding.Wire;

namespace MeshProxy.Transcoding.Json;

/// <summary>
/// Protobuf to JSON straight from the wire bytes into a <see cref="Utf8JsonWriter"/>, with no message objects.
/// Per message: (1) scan the bytes once, recording (field, value range) entries of known fields on a shared stack;
/// (2) sort the entries by declaration order (usually already sorted: a no-op check); (3) write each field from its
/// entries, which gives protobuf's merge rules for free: the last scalar wins, repeated entries (packed and unpacked,
/// even interleaved) join into one array, a singular message seen twice is the merge of both (their bytes
/// concatenated), and a oneof keeps only its last-set member. Unknown fields are skipped (ProtoJSON has no place
/// for them). One instance per thread is reused (see <see cref="ProtoJsonCodec"/>).
/// </summary>
internal sealed partial class ProtoToJsonConverter
{
    private readonly JsonPathBuilder _path = new();
    private Utf8JsonWriter _writer = null!;
    private JsonFormatOptions _options = JsonFormatOptions.Default;
    private CodecError? _error;
    private int _depth;
    private Entry[] _entries = new Entry[64];
    private int _entryCount;

    public CodecResult Convert(ReadOnlySpan<byte> data, MessageType type, Utf8JsonWriter writer, JsonFormatOptions options)
    {
        _writer = writer;
        _options = options;
        _error = null;
        _depth = 0;
        _entryCount = 0;
        _path.Reset();
        try
        {
            if (data.Length > options.MaxInputBytes)
            {
                return CodecResult.Fail(new CodecError("$", $"protobuf input of {data.Length} bytes exceeds the limit of {options.MaxInputBytes} bytes"));
            }

            return WriteMessage(data, type) ? CodecResult.Success : CodecResult.Fail(_error!);
        }
        finally
        {
            _writer = null!;
        }
    }

    /// <summary>Checks that bytes are a well-formed encoding of <paramref name="type"/> (the binary-to-binary path).</summary>
    public CodecResult Validate(ReadOnlySpan<byte> data, MessageType type, JsonFormatOptions options)
    {
        _options = options;
        _error = null;
        _depth = 0;
        _entryCount = 0;
        _path.Reset();
        return ValidateMessage(data, type) ? CodecResult.Success : CodecResult.Fail(_error!);
    }

    private bool WriteMessage(ReadOnlySpan<byte> data, MessageType type)
    {
        if (++_depth > _options.MaxDepth)
        {
            return Fail($"nesting depth exceeds the limit of {_options.MaxDepth}");
        }

        if (_writer.BytesCommitted + _writer.BytesPending > _options.MaxOutputBytes)
        {
            return Fail($"JSON output exceeds the limit of {_options.MaxOutputBytes} bytes");
        }

        var ok = type.WellKnown == WellKnownType.None || type.WellKnown == WellKnownType.Empty
            ? WriteObject(data, type)
            : WriteWellKnown(data, type);
        _depth--;
        return ok;
    }

    private bool WriteObject(ReadOnlySpan<byte> data, MessageType type)
    {
        _writer.WriteStartObject();
        if (!WriteFields(data, type))
        {
            return false;
        }

        _writer.WriteEndObject();
        return true;
    }

    /// <summary>Writes the fields of a message as properties of the JSON object already open.</summary>
    private bool WriteFields(ReadOnlySpan<byte> data, MessageType type)
    {
        var start = _entryCount;
        if (!Scan(data, type))
        {
            return false;
        }

        var end = _entryCount;
        SortEntries(start, end);
        Span<int> winners = stackalloc int[0];
        if (type.OneofCount > 0 && end > start)
        {
            // Per oneof: [field index of the last-set member, position after which its entries count].
            winners = type.OneofCount <= 16 ? stackalloc int[type.OneofCount * 2] : new int[type.OneofCount * 2];
            FindOneofWinners(type, start, end, winners);
        }

        var e = start;
        var fields = type.Fields;
        for (var f = 0; f < fields.Count; f++)
        {
            var field = fields[f];
            var groupStart = e;
            while (e < end && _entries[e].Field == f)
            {
                e++;
            }

            var groupEnd = e;
            if (groupStart == groupEnd)
            {
                if (_options.EmitDefaultValues && !field.HasPresence && field.OneofIndex < 0)
                {
                    WritePropertyName(field);
                    WriteDefault(field);
                }

                continue;
            }

            if (field.OneofIndex >= 0)
            {
                if (winners[field.OneofIndex * 2] != f)
                {
                    continue;
                }

                var cutoff = winners[(field.OneofIndex * 2) + 1];
                while (groupStart < groupEnd && _entries[groupStart].Start < cutoff)
                {
                    groupStart++;
                }
            }
            else if (!field.HasPresence && !field.IsRepeated && !field.IsMap && !field.IsMessage
                     && !_options.EmitDefaultValues && IsDefaultScalar(data, field, _entries[groupEnd - 1]))
            {
                // Implicit presence: a default value sent explicitly on the wire is still "not set".
                continue;
            }

            WritePropertyName(field);
            _path.PushField(field.JsonName);
            if (!WriteFieldValue(data, field, groupStart, groupEnd))
            {
                return false;
            }

            _path.Pop();
        }

        _entryCount = start;
        return true;
    }

    /// <summary>Writes the JSON value of a field from its entries [groupStart, groupEnd) on the stack.</summary>
    private bool WriteFieldValue(ReadOnlySpan<byte> data, ProtoField field, int groupStart, int groupEnd)
    {
        if (field.IsMap)
        {
            return WriteMap(data, field, groupStart, groupEnd);
        }

        if (field.IsRepeated)
        {
            return WriteRepeated(data, field, groupStart, groupEnd);
        }

        if (field.IsMessage)
        {
            return WriteMergedMessage(data, field.MessageType, groupStart, groupEnd);
        }

        var last = _entries[groupEnd - 1];
        return WriteScalar(data, field, last.Start, last.End);
    }

    private bool WriteMergedMessage(ReadOnlySpan<byte> data, MessageType type, int groupStart, int groupEnd)
    {
        if (groupEnd - groupStart == 1)
        {
            var only = _entries[groupStart];
            return WriteMessage(data[only.Start..only.End], type);
        }

        // A singular message sent more than once is the merge of all its parts, which is their concatenation.
        var total = 0;
        for (var i = groupStart; i < groupEnd; i++)
        {
            total += _entries[i].End - _entries[i].Start;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(total, 1));
        try
        {
            var p = 0;
            for (var i = groupStart; i < groupEnd; i++)
            {
                var part = data[_entries[i].Start.._entries[i].End];
                part.CopyTo(buffer.AsSpan(p));
                p += part.Length;
            }

            return WriteMessage(buffer.AsSpan(0, total), type);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private bool WriteRepeated(ReadOnlySpan<byte> data, ProtoField field, int groupStart, int groupEnd)
    {
        _writer.WriteStartArray();
        _path.PushIndex(0);
        var index = 0;
        for (var i = groupStart; i < groupEnd; i++)
        {
            var entry = _entries[i];
            if (field.IsMessage)
            {
                _path.SetIndex(index++);
                if (!WriteMessage(data[entry.Start..entry.End], field.MessageType))
                {
                    return false;
                }
            }
            else if (entry.Wire == WireType.LengthDelimited && field.WireType != WireType.LengthDelimited)
            {
                // A packed run: values back to back.
                var run = data[entry.Start..entry.End];
                var p = 0;
                while (p < run.Length)
                {
                    _path.SetIndex(index++);
                    var valueStart = p;
                    if (!SkipScalar(run, ref p, field.WireType))
                    {
                        return Fail("malformed packed repeated field");
                    }

                    if (!WriteScalar(run, field, valueStart, p))
                    {
                        return false;
                    }
                }
            }
            else
            {
                _path.SetIndex(index++);
                if (!WriteScalar(data, field, entry.Start, entry.End))
                {
                    return false;
                }
            }
        }

        _path.Pop();
        _writer.WriteEndArray();
        return true;
    }

    private static bool SkipScalar(ReadOnlySpan<byte> run, ref int p, WireType wireType) => wireType switch
    {
        WireType.Varint => WireReader.TryReadVarint(run, ref p, out _),
        WireType.Fixed32 => WireReader.TryReadFixed32(run, ref p, out _),
        _ => WireReader.TryReadFixed64(run, ref p, out _),
    };

    private void WritePropertyName(ProtoField field)
    {
        if (_options.PreserveProtoFieldNames)
        {
            _writer.WritePropertyName(field.ProtoNameText);
        }
        else
        {
            _writer.WritePropertyName(field.JsonNameText);
        }
    }

    /// <summary>Records the known fields of one message on the entry stack; unknown fields are checked and skipped.</summary>
    private bool Scan(ReadOnlySpan<byte> data, MessageType type)
    {
        var position = 0;
        while (position < data.Length)
        {
            var result = WireReader.TryReadTag(data, ref position, out var number, out var wireType);
            if (result != WireReadResult.Ok)
            {
                return Fail(WireReader.Describe(result));
            }

            var field = type.FindField(number);
            if (field is null || !WireMatches(field, wireType))
            {
                // Unknown (or a known number with a foreign wire type, which protobuf also treats as unknown).
                if (wireType == WireType.EndGroup)
                {
                    return Fail(WireReader.Describe(WireReadResult.UnbalancedGroup));
                }

                result = WireReader.SkipValue(data, ref position, number, wireType, _options.MaxDepth - _depth);
                if (result != WireReadResult.Ok)
                {
                    return Fail(WireReader.Describe(result));
                }

                continue;
            }

            int valueStart = position, valueEnd;
            switch (wireType)
            {
                case WireType.Varint:
                    if (!WireReader.TryReadVarint(data, ref position, out _))
                    {
                        return Fail(WireReader.Describe(WireReadResult.MalformedVarint));
                    }

                    break;
                case WireType.Fixed32:
                    if (!WireReader.TryReadFixed32(data, ref position, out _))
                    {
                        return Fail(WireReader.Describe(WireReadResult.Truncated));
                    }

                    break;
                case WireType.Fixed64:
                    if (!WireReader.TryReadFixed64(data, ref position, out _))
                    {
                        return Fail(WireReader.Describe(WireReadResult.Truncated));
                    }

                    break;
                default:
                    result = WireReader.TryReadLength(data, ref position, out valueStart, out _);
                    if (result != WireReadResult.Ok)
                    {
                        return Fail(WireReader.Describe(result));
                    }

                    break;
            }

            valueEnd = position;
            if (_entryCount == _entries.Length)
            {
                Array.Resize(ref _entries, _entries.Length * 2);
            }

            _entries[_entryCount++] = new Entry(field.Index, valueStart, valueEnd, wireType);
        }

        return true;
    }

    private static bool WireMatches(ProtoField field, WireType wireType) =>
        field.Type != FieldType.Group
        && (wireType == field.WireType || (field.IsRepeated && wireType == WireType.LengthDelimited && ProtoField.IsPackable(field.Type)));

    private void SortEntries(int start, int end)
    {
        for (var i = start + 1; i < end; i++)
        {
            if (_entries[i].Field < _entries[i - 1].Field)
            {
                // Start grows with wire order, so (Field, Start) is a total order that keeps each field's entries in wire order.
                _entries.AsSpan(start, end - start).Sort(static (a, b) => a.Field != b.Field ? a.Field.CompareTo(b.Field) : a.Start.CompareTo(b.Start));
                return;
            }
        }
    }

    private void FindOneofWinners(MessageType type, int start, int end, Span<int> winners)
    {
        // winners[2o] = winning field, winners[2o+1] = cutoff; best/second last positions per oneof.
        Span<int> best = type.OneofCount <= 16 ? stackalloc int[type.OneofCount * 2] : new int[type.OneofCount * 2];
        best.Fill(-1);
        winners.Fill(-1);
        var fields = type.Fields;
        for (var e = start; e < end; e++)
        {
            var entry = _entries[e];
            var oneof = fields[entry.Field].OneofIndex;
            if (oneof < 0 || (e + 1 < end && _entries[e + 1].Field == entry.Field))
            {
                continue;
            }

            // entry is the last of its field; its Start orders members by when they were last set.
            if (entry.Start > best[oneof * 2])
            {
                best[(oneof * 2) + 1] = best[oneof * 2];
                best[oneof * 2] = entry.Start;
                winners[oneof * 2] = entry.Field;
            }
            else if (entry.Start > best[(oneof * 2) + 1])
            {
                best[(oneof * 2) + 1] = entry.Start;
            }
        }

        for (var o = 0; o < type.OneofCount; o++)
        {
            // Setting another member clears the winner, so only the winner's entries after that member's last one count.
            winners[(o * 2) + 1] = best[(o * 2) + 1];
        }
    }

    private bool Fail(string message)
    {
        _error ??= new CodecError(_path.ToString(), message);
        return false;
    }

    private readonly record struct Entry(int Field, int Start, int End, WireType Wire);
}
