using MeshProxy.Transcoding.Descriptors;

namespace MeshProxy.Transcoding.Rules;

/// <summary>
/// One path variable of a matched request. <see cref="Value"/> is decoded per http.proto: single-segment variables
/// fully percent-decoded, multi-segment ones with RFC 6570 reserved characters kept encoded (<c>%2F</c> stays <c>%2F</c>).
/// </summary>
internal sealed record PathVariable(IReadOnlyList<ProtoField> FieldPath, string Value)
{
    /// <summary>Set when the raw segment text was not valid percent-encoded UTF-8; <see cref="RequestMessageBuilder"/>
    /// turns it into a 400. <see cref="Value"/> then holds the raw text.</summary>
    public string? DecodeError { get; init; }

    /// <summary>The field path in proto names, dotted (<c>book.shelf.id</c>).</summary>
    public string FieldPathText => string.Join('.', FieldPath.Select(f => f.Name));
}
