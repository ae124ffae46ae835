using MeshProxy.Upstream.Hpack;

namespace MeshProxy.Tests.Upstream.Hpack;

/// <summary>
/// The server end of one connection for <see cref="HpackEncoder"/> tests: our own <see cref="HpackDecoder"/> reads the
/// blocks the test hands it, in order, and holds the encoder to what a server needs of it. After each block the two
/// dynamic tables must match (size, entries, maximum), and, as nghttp2 insists (RFC 7541 §4.2), the first block after a
/// SETTINGS_HEADER_TABLE_SIZE below the table's maximum must open with a size update no larger than the smallest
/// setting since the block before.
/// </summary>
internal sealed class HpackServerModel(HpackEncoder encoder)
{
    private int _setting = HpackEncoder.MaxTableSize;
    private int _updateDue = int.MaxValue;   // the smallest setting below the table's maximum since the last block

    /// <summary>The server's decoder, which starts at 4096 (RFC 9113 §6.5.2), the most our encoder uses whatever the setting.</summary>
    public HpackDecoder Decoder { get; } = new(maxDynamicTableSize: HpackEncoder.MaxTableSize, maxHeaderListSize: int.MaxValue);

    /// <summary>The server sends SETTINGS_HEADER_TABLE_SIZE and the encoder's connection takes it (with the ack).</summary>
    public void Settings(uint size)
    {
        _setting = (int)Math.Min(size, int.MaxValue);
        if (_setting < Decoder.DynamicTableCapacity)
        {
            _updateDue = Math.Min(_updateDue, _setting);
        }

        encoder.SetMaxTableSize(size);
    }

    /// <summary>Decodes the next block of the connection and checks that both tables are in step.</summary>
    public List<(string Name, string Value)> Decode(byte[] block)
    {
        var updates = SizeUpdates(block);
        if (_updateDue != int.MaxValue)
        {
            Assert.True(updates.Count > 0 && updates[0] <= _updateDue, $"the block after SETTINGS_HEADER_TABLE_SIZE {_updateDue} must open with a size update to at most that; it opened with [{string.Join(", ", updates)}]");
            _updateDue = int.MaxValue;
        }

        Assert.All(updates, size => Assert.True(size <= _setting, $"size update {size} is above the setting {_setting}"));
        var fields = HeaderList.Decode(Decoder, block);
        Assert.Equal(
            (encoder.DynamicTableCapacity, encoder.DynamicTableSize, encoder.DynamicTableCount),
            (Decoder.DynamicTableCapacity, Decoder.DynamicTableSize, Decoder.DynamicTableCount));
        return fields;
    }

    /// <summary>The dynamic table size updates a block opens with (RFC 7541 §6.3).</summary>
    public static List<int> SizeUpdates(byte[] block)
    {
        var sizes = new List<int>();
        var position = 0;
        while (position < block.Length && (block[position] & 0xE0) == 0x20)
        {
            sizes.Add(HpackInteger.Decode(block, ref position, 5));
        }

        return sizes;
    }
}
