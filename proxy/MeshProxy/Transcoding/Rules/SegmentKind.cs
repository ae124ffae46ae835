namespace MeshProxy.Transcoding.Rules;

/// <summary>What one template segment matches; the order is the specificity order (literal before <c>*</c> before <c>**</c>).</summary>
internal enum SegmentKind : byte
{
    /// <summary>Exactly its text.</summary>
    Literal,

    /// <summary><c>*</c>: one non-empty segment.</summary>
    Wildcard,

    /// <summary><c>**</c>: zero or more segments.</summary>
    DoubleWildcard,
}
