using System.Collections.Frozen;
using Google.Protobuf.Reflection;

namespace MeshProxy.Transcoding.Descriptors;

/// <summary>
/// A message with its fields precomputed for the codec: lookup by JSON name and proto name (as spans, so the hot
/// path looks names up without allocating), lookup by number, declaration order and well-known-type kind.
/// Immutable once its <see cref="DescriptorPool"/> is built.
/// </summary>
internal sealed class MessageType
{
    // Field numbers up to this bound are looked up in a dense array; larger ones (rare) through a dictionary.
    private const int DenseLimit = 512;

    private readonly ProtoField?[] _dense;
    private readonly FrozenDictionary<int, ProtoField> _sparse;
    private readonly FrozenDictionary<string, ProtoField> _byName;
    private readonly FrozenDictionary<string, ProtoField>.AlternateLookup<ReadOnlySpan<char>> _byNameSpan;

    public MessageType(MessageDescriptor descriptor, DescriptorPool pool)
    {
        Descriptor = descriptor;
        Pool = pool;
        FullName = descriptor.FullName;
        WellKnown = WellKnownOf(FullName);
        var fields = new ProtoField[descriptor.Fields.InDeclarationOrder().Count];
        var byName = new Dictionary<string, ProtoField>(StringComparer.Ordinal);
        var sparse = new Dictionary<int, ProtoField>();
        var maxDense = 0;
        var i = 0;
        foreach (var fd in descriptor.Fields.InDeclarationOrder())
        {
            var field = new ProtoField(fd, i, this);
            fields[i++] = field;
            if (field.Number <= DenseLimit)
            {
                maxDense = Math.Max(maxDense, field.Number);
            }
            else
            {
                sparse[field.Number] = field;
            }
        }

        // JSON names first so that, should a JSON name equal another field's proto name, the JSON name wins.
        foreach (var field in fields)
        {
            byName.TryAdd(field.JsonName, field);
        }

        foreach (var field in fields)
        {
            byName.TryAdd(field.Name, field);
        }

        _dense = new ProtoField?[maxDense + 1];
        foreach (var field in fields)
        {
            if (field.Number <= DenseLimit)
            {
                _dense[field.Number] = field;
            }
        }

        Fields = fields;
        OneofCount = descriptor.Oneofs.Count(o => !o.IsSynthetic);
        _sparse = sparse.ToFrozenDictionary();
        _byName = byName.ToFrozenDictionary(StringComparer.Ordinal);
        _byNameSpan = _byName.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public MessageDescriptor Descriptor { get; }

    /// <summary>The pool this type belongs to (resolves <c>google.protobuf.Any</c> type URLs).</summary>
    public DescriptorPool Pool { get; }

    public string FullName { get; }

    public WellKnownType WellKnown { get; }

    /// <summary>Fields in declaration order (the order ProtoJSON output follows, as JsonFormatter does).</summary>
    public IReadOnlyList<ProtoField> Fields { get; }

    /// <summary>Number of real (non-synthetic) oneofs.</summary>
    public int OneofCount { get; }

    public ProtoField? FindField(int number)
    {
        var dense = _dense;
        if ((uint)number < (uint)dense.Length)
        {
            return dense[number];
        }

        return _sparse.GetValueOrDefault(number);
    }

    /// <summary>Finds a field by its JSON name or its proto name.</summary>
    public ProtoField? FindField(ReadOnlySpan<char> name) => _byNameSpan.TryGetValue(name, out var field) ? field : null;

    public override string ToString() => FullName;

    private static WellKnownType WellKnownOf(string fullName) => fullName switch
    {
        "google.protobuf.Any" => WellKnownType.Any,
        "google.protobuf.Timestamp" => WellKnownType.Timestamp,
        "google.protobuf.Duration" => WellKnownType.Duration,
        "google.protobuf.FieldMask" => WellKnownType.FieldMask,
        "google.protobuf.Struct" => WellKnownType.Struct,
        "google.protobuf.Value" => WellKnownType.Value,
        "google.protobuf.ListValue" => WellKnownType.ListValue,
        "google.protobuf.Empty" => WellKnownType.Empty,
        "google.protobuf.DoubleValue" => WellKnownType.DoubleValue,
        "google.protobuf.FloatValue" => WellKnownType.FloatValue,
        "google.protobuf.Int64Value" => WellKnownType.Int64Value,
        "google.protobuf.UInt64Value" => WellKnownType.UInt64Value,
        "google.protobuf.Int32Value" => WellKnownType.Int32Value,
        "google.protobuf.UInt32Value" => WellKnownType.UInt32Value,
        "google.protobuf.BoolValue" => WellKnownType.BoolValue,
        "google.protobuf.StringValue" => WellKnownType.StringValue,
        "google.protobuf.BytesValue" => WellKnownType.BytesValue,
        _ => WellKnownType.None,
    };
}
