namespace MeshProxy.Transcoding.Json;

/// <summary>A conversion failure: where (a JSON path such as <c>$.items[3].price</c>) and what.</summary>
internal sealed record CodecError(string Path, string Message)
{
    public override string ToString() => $"{Path}: {Message}";
}
