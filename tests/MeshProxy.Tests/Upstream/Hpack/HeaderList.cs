using System.Text;
using MeshProxy.Upstream.Hpack;

namespace MeshProxy.Tests.Upstream.Hpack;

/// <summary>A sink that keeps what the decoder hands it, as ISO-8859-1 strings (one byte, one char).</summary>
internal sealed class HeaderList : IHeaderSink
{
    public List<(string Name, string Value)> Fields { get; } = [];

    public void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value) =>
        Fields.Add((Encoding.Latin1.GetString(name), Encoding.Latin1.GetString(value)));

    public static byte[] Hex(string dump) => Convert.FromHexString(dump.Replace(" ", string.Empty, StringComparison.Ordinal));

    public static List<(string Name, string Value)> Decode(HpackDecoder decoder, byte[] block)
    {
        var sink = new HeaderList();
        decoder.Decode(block, sink);
        return sink.Fields;
    }
}
