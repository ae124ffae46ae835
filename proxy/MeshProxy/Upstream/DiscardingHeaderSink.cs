using MeshProxy.Upstream.Hpack;

namespace MeshProxy.Upstream;

/// <summary>Takes the fields of a header block whose stream is already gone (decoded only to keep the HPACK table in step).</summary>
internal sealed class DiscardingHeaderSink : IHeaderSink
{
    public static DiscardingHeaderSink Instance { get; } = new();

    public void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
    }
}
