namespace MeshProxy.Upstream.Hpack;

/// <summary>Receives the fields <see cref="HpackDecoder"/> decodes, in block order. Spans are valid only during the call.</summary>
internal interface IHeaderSink
{
    void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value);
}
