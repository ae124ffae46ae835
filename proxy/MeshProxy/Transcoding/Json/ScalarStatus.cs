namespace MeshProxy.Transcoding.Json;

/// <summary>Outcome of reading one scalar: a value, a value to drop (unknown enum name when ignoring unknowns), or an error.</summary>
internal enum ScalarStatus : byte
{
    Ok,
    Skip,
    Error,
}
