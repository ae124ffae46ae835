using MeshProxy.Upstream.Hpack;

namespace MeshProxy.Tests.Upstream.Hpack;

/// <summary>A sink that only counts, so a test can see whether decoding itself allocates.</summary>
internal sealed class CountingSink : IHeaderSink
{
    public int Fields { get; private set; }

    public long Bytes { get; private set; }

    public void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        Fields++;
        Bytes += name.Length + value.Length;
    }
}
