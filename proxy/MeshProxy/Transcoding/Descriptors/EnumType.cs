using System.Collections.Frozen;
using System.Text.Json;
using Google.Protobuf.Reflection;

namespace MeshProxy.Transcoding.Descriptors;

/// <summary>An enum with its name and number lookups precomputed. Immutable, safe to share across threads.</summary>
internal sealed class EnumType
{
    private readonly FrozenDictionary<string, int> _byName;
    private readonly FrozenDictionary<string, int> _byNameIgnoreCase;
    private readonly FrozenDictionary<int, JsonEncodedText> _nameByNumber;
    private readonly FrozenDictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _byNameSpan;
    private readonly FrozenDictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _byNameIgnoreCaseSpan;

    public EnumType(EnumDescriptor descriptor)
    {
        FullName = descriptor.FullName;
        IsNullValue = FullName == "google.protobuf.NullValue";
        var byName = new Dictionary<string, int>(StringComparer.Ordinal);
        var byNameIgnoreCase = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var nameByNumber = new Dictionary<int, JsonEncodedText>();
        foreach (var value in descriptor.Values)
        {
            byName.TryAdd(value.Name, value.Number);
            byNameIgnoreCase.TryAdd(value.Name, value.Number);
            // With allow_alias, the first name declared for a number is the one written (as JsonFormatter does).
            nameByNumber.TryAdd(value.Number, JsonEncodedText.Encode(value.Name));
        }

        _byName = byName.ToFrozenDictionary(StringComparer.Ordinal);
        _byNameIgnoreCase = byNameIgnoreCase.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
        _nameByNumber = nameByNumber.ToFrozenDictionary();
        _byNameSpan = _byName.GetAlternateLookup<ReadOnlySpan<char>>();
        _byNameIgnoreCaseSpan = _byNameIgnoreCase.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public string FullName { get; }

    /// <summary>google.protobuf.NullValue, written as JSON <c>null</c>.</summary>
    public bool IsNullValue { get; }

    public bool TryGetNumber(ReadOnlySpan<char> name, bool ignoreCase, out int number) =>
        ignoreCase ? _byNameIgnoreCaseSpan.TryGetValue(name, out number) : _byNameSpan.TryGetValue(name, out number);

    public bool TryGetName(int number, out JsonEncodedText name) => _nameByNumber.TryGetValue(number, out name);

    public override string ToString() => FullName;
}
