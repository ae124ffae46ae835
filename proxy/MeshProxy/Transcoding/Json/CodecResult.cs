using System.Diagnostics.CodeAnalysis;

namespace MeshProxy.Transcoding.Json;

/// <summary>The outcome of a conversion: success, or a <see cref="CodecError"/>. Bad input is a value, never an exception.</summary>
internal readonly struct CodecResult
{
    private CodecResult(CodecError? error) => Error = error;

    public static CodecResult Success => default;

    public CodecError? Error { get; }

    [MemberNotNullWhen(false, nameof(Error))]
    public bool IsSuccess => Error is null;

    public static CodecResult Fail(CodecError error) => new(error);

    public override string ToString() => Error?.ToString() ?? "ok";
}
