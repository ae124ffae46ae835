using System.Buffers;
using System.Text;
using MeshProxy.Upstream.Hpack;

namespace MeshProxy.Tests.Upstream.Hpack;

public sealed class HpackDecoderTests
{
    [Theory]
    [InlineData("ff", "ends inside an integer")]                         // indexed, 7-bit prefix full, nothing after
    [InlineData("ffff ffff ff0f", "does not fit")]                      // index over 2^31
    [InlineData("0f", "ends inside an integer")]                        // literal, 4-bit name index full, nothing after
    [InlineData("80", "Index 0")]
    [InlineData("be", "past the end of the header table")]             // index 62, dynamic table empty
    [InlineData("ff00", "past the end of the header table")]           // index 127
    [InlineData("7e 00", "past the end of the header table")]          // indexing literal, name index 62
    [InlineData("00", "ends before a string literal")]                 // new name, no name
    [InlineData("04", "ends before a string literal")]                 // :path with no value
    [InlineData("00 05 6162", "runs past the end")]                    // name of 5 bytes, 2 given
    [InlineData("04 7f ffff ff07", "runs past the end")]               // value length near 2^31
    [InlineData("00 01 61 7f", "ends inside an integer")]              // value length truncated
    [InlineData("04 81 00", "padding")]                                // Huffman value '0' + padding 000
    [InlineData("04 81 ff", "padding")]                                // Huffman value of 8 one bits
    [InlineData("04 84 ffff fffc", "EOS")]                             // Huffman value holding EOS
    [InlineData("82 20", "after a header field")]                      // size update after a field
    [InlineData("3fe2 01", "above the SETTINGS_HEADER_TABLE_SIZE")]    // size update to 257 with a 256 limit
    public void Decode_MalformedBlock_ThrowsHpackException(string hex, string message)
    {
        var decoder = new HpackDecoder(maxDynamicTableSize: 256);
        var error = Assert.Throws<HpackException>(() => HeaderList.Decode(decoder, HeaderList.Hex(hex)));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.False(error.IsHeaderListTooLarge);
    }

    [Fact]
    public void Decode_EmptyBlock_GivesNoFields() => Assert.Empty(HeaderList.Decode(new HpackDecoder(), []));

    [Fact]
    public void Decode_SizeUpdates_AtTheStart_AreAppliedInOrderAndEvict()
    {
        var decoder = new HpackDecoder();
        HeaderList.Decode(decoder, HeaderList.Hex("8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d"));
        Assert.Equal(57, decoder.DynamicTableSize);

        // Two updates (0, then 4096) open the next block: the first empties the table, the second restores the size.
        var fields = HeaderList.Decode(decoder, HeaderList.Hex("20 3fe1 1f 82"));
        Assert.Equal([(":method", "GET")], fields);
        Assert.Equal(0, decoder.DynamicTableCount);
        Assert.Equal(4096, decoder.DynamicTableCapacity);
        Assert.Throws<HpackException>(() => HeaderList.Decode(decoder, [0xBE]));
    }

    [Fact]
    public void Decode_SizeUpdateBelowTheEntries_EvictsTheOldest()
    {
        var decoder = new HpackDecoder();
        HeaderList.Decode(decoder, HeaderList.Hex("8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d"));
        HeaderList.Decode(decoder, HeaderList.Hex("8286 84be 5808 6e6f 2d63 6163 6865"));
        Assert.Equal(110, decoder.DynamicTableSize);

        // 60 bytes keep only the newest entry, cache-control: no-cache (53), now index 62.
        var fields = HeaderList.Decode(decoder, HeaderList.Hex("3f1d be"));
        Assert.Equal([("cache-control", "no-cache")], fields);
        Assert.Equal(53, decoder.DynamicTableSize);
    }

    [Fact]
    public void Decode_EntryLargerThanTheTable_EmptiesItAndIsNotInserted()
    {
        var decoder = new HpackDecoder(maxDynamicTableSize: 64);
        HeaderList.Decode(decoder, Indexing("a", "b"));
        Assert.Equal(1, decoder.DynamicTableCount);

        var fields = HeaderList.Decode(decoder, Indexing("long-name", new string('v', 40)));
        Assert.Equal([("long-name", new string('v', 40))], fields);
        Assert.Equal(0, decoder.DynamicTableCount);
        Assert.Equal(0, decoder.DynamicTableSize);
    }

    [Fact]
    public void Decode_IndexingWithTheNameOfAnEntryItEvicts_KeepsTheName()
    {
        // RFC 7541 §4.4: the name is read from an entry that inserting the new one evicts. With a 120-byte table,
        // a: b (34) then x-some-name (83) fill it; the new entry (93) evicts both and its bytes overwrite theirs.
        var decoder = new HpackDecoder(maxDynamicTableSize: 120);
        HeaderList.Decode(decoder, [.. Indexing("a", "b"), .. Indexing("x-some-name", new string('1', 40))]);
        Assert.Equal(117, decoder.DynamicTableSize);
        byte[] block = [0x7E, .. Literal(new string('2', 50))]; // literal with incremental indexing, name index 62

        var fields = HeaderList.Decode(decoder, block);
        Assert.Equal([("x-some-name", new string('2', 50))], fields);
        Assert.Equal(1, decoder.DynamicTableCount);
        Assert.Equal([("x-some-name", new string('2', 50))], HeaderList.Decode(decoder, [0xBE]));
    }

    [Fact]
    public void Decode_HeaderListOverTheLimit_ThrowsAfterDecodingTheWholeBlock()
    {
        // Each field counts name + value + 32: 3 fields of 1+1+32 = 102 > 100.
        var decoder = new HpackDecoder(maxHeaderListSize: 100);
        var sink = new HeaderList();
        byte[] block = [.. Indexing("a", "1"), .. Indexing("b", "2"), .. Indexing("c", "3")];

        var error = Assert.Throws<HpackException>(() => decoder.Decode(block, sink));
        Assert.True(error.IsHeaderListTooLarge);
        Assert.Contains("over the limit of 100", error.Message, StringComparison.Ordinal);
        Assert.Equal([("a", "1"), ("b", "2")], sink.Fields);

        // The third field was still indexed, so the table is in step with the peer's: index 62 is the newest.
        Assert.Equal(3, decoder.DynamicTableCount);
        Assert.Equal([("c", "3"), ("a", "1")], HeaderList.Decode(decoder, [0xBE, 0xC0]));
    }

    [Fact]
    public void Decode_HeaderListAtTheLimit_IsAccepted()
    {
        var decoder = new HpackDecoder(maxHeaderListSize: 68);
        Assert.Equal([("a", "1"), ("b", "2")], HeaderList.Decode(decoder, [.. Indexing("a", "1"), .. Indexing("b", "2")]));
    }

    [Fact]
    public void Decode_ManyInsertionsThroughARing_MatchesAListModel()
    {
        // Entries of varied sizes, some named by an existing entry, inserted into small tables wrap the byte ring at
        // every offset; each block also reads back random dynamic entries (indexed fields and indexed names),
        // compared with a plain list model.
        foreach (var tableSize in new[] { 64, 100, 256, 4096 })
        {
            var random = new Random(tableSize);
            var decoder = new HpackDecoder(tableSize);
            var model = new List<(string Name, string Value)>();
            for (var step = 0; step < 2000; step++)
            {
                var block = new ArrayBufferWriter<byte>();
                var expected = new List<(string, string)>();
                var value = RandomText(random, random.Next(0, 60));
                string name;
                if (model.Count > 0 && random.Next(3) == 0)
                {
                    // An indexed name, from an entry this insertion may evict (RFC 7541 §4.4).
                    var nameOf = random.Next(model.Count);
                    name = model[nameOf].Name;
                    Write(block, nameOf + 62, 6, 0x40);
                    block.Write(Literal(value, huffman: random.Next(2) == 0));
                }
                else
                {
                    name = RandomText(random, random.Next(0, 20));
                    block.Write(Indexing(name, value, huffman: random.Next(2) == 0));
                }

                expected.Add((name, value));
                Insert(model, name, value, tableSize);

                if (model.Count > 0)
                {
                    var index = random.Next(model.Count);
                    Write(block, index + 62, 7, 0x80);
                    expected.Add(model[index]);

                    var nameIndex = random.Next(model.Count);
                    var newValue = RandomText(random, random.Next(0, 10));
                    Write(block, nameIndex + 62, 4, 0x00);
                    block.Write(Literal(newValue));
                    expected.Add((model[nameIndex].Name, newValue));
                }

                Assert.Equal(expected, HeaderList.Decode(decoder, block.WrittenSpan.ToArray()));
                Assert.Equal(model.Count, decoder.DynamicTableCount);
                Assert.Equal(model.Sum(e => e.Name.Length + e.Value.Length + 32), decoder.DynamicTableSize);
            }
        }
    }

    [Fact]
    public void Decode_RandomAndMutatedBlocks_OnlyEverThrowHpackException()
    {
        // A bounded fuzz loop: valid blocks (RFC examples and blocks built here) cut, flipped and spliced, and plain
        // random bytes. Any exception other than HpackException fails the test with the seed that made it.
        byte[][] seeds =
        [
            HeaderList.Hex("8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff"),
            HeaderList.Hex("8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf"),
            HeaderList.Hex("4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6 2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3"),
            HeaderList.Hex("88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab 77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07"),
            HeaderList.Hex("3f e1 1f 20 be bf c0"),
            [.. Indexing("grpc-status", "0"), .. Indexing("grpc-message", "h\u00e9llo", huffman: true), 0xBE, 0xBF],
        ];
        const int Iterations = 20000;
        const int Seed = 7541;
        var random = new Random(Seed);
        var decoder = new HpackDecoder(maxDynamicTableSize: 256, maxHeaderListSize: 4096);
        for (var i = 0; i < Iterations; i++)
        {
            var block = Mutate(random, seeds);
            try
            {
                decoder.Decode(block, new HeaderList());
            }
            catch (HpackException)
            {
                // A malformed block ends the connection: go on with a fresh decoder, as the next connection would.
                decoder = new HpackDecoder(maxDynamicTableSize: 256, maxHeaderListSize: 4096);
            }
            catch (Exception e)
            {
                Assert.Fail($"Iteration {i} of seed {Seed}: block {Convert.ToHexString(block)} threw {e}");
            }
        }
    }

    [Fact]
    public void Decode_WarmConnection_AllocatesNothingPerBlock()
    {
        // The C.6 responses over and over: Huffman literals, insertions that evict, indexed dynamic fields. Once the
        // table and scratch buffer exist, decoding must not allocate (the sink here does not either).
        byte[][] blocks =
        [
            HeaderList.Hex("4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6 2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3"),
            HeaderList.Hex("4883 640e ffc1 c0bf"),
            HeaderList.Hex("88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab 77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07"),
        ];
        var decoder = new HpackDecoder(maxDynamicTableSize: 256);
        var sink = new CountingSink();
        foreach (var block in blocks)
        {
            decoder.Decode(block, sink);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            foreach (var block in blocks)
            {
                decoder.Decode(block, sink);
            }
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(101 * (4 + 4 + 6), sink.Fields);
    }

    internal static byte[] Indexing(string name, string value, bool huffman = false)
    {
        var block = new List<byte> { 0x40 };
        block.AddRange(Literal(name, huffman));
        block.AddRange(Literal(value, huffman));
        return [.. block];
    }

    internal static byte[] Literal(string text, bool huffman = false)
    {
        var bytes = Encoding.Latin1.GetBytes(text);
        var buffer = new ArrayBufferWriter<byte>();
        if (huffman)
        {
            var coded = new byte[Huffman.EncodedLength(bytes)];
            Huffman.Encode(bytes, coded);
            Write(buffer, coded.Length, 7, 0x80);
            buffer.Write(coded);
        }
        else
        {
            Write(buffer, bytes.Length, 7, 0x00);
            buffer.Write(bytes);
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void Write(ArrayBufferWriter<byte> buffer, int value, int prefixBits, byte pattern)
    {
        var span = buffer.GetSpan(HpackInteger.MaxLength);
        buffer.Advance(HpackInteger.Encode(value, prefixBits, pattern, span));
    }

    private static void Insert(List<(string Name, string Value)> model, string name, string value, int tableSize)
    {
        model.Insert(0, (name, value));
        while (model.Sum(e => e.Name.Length + e.Value.Length + 32) > tableSize)
        {
            model.RemoveAt(model.Count - 1);
        }
    }

    private static string RandomText(Random random, int length)
    {
        var chars = new char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = (char)random.Next(0, 256);
        }

        return new string(chars);
    }

    private static byte[] Mutate(Random random, byte[][] seeds)
    {
        var block = new List<byte>(seeds[random.Next(seeds.Length)]);
        switch (random.Next(5))
        {
            case 0:
                return [.. block.Take(random.Next(block.Count + 1))];
            case 1:
                for (var n = random.Next(1, 4); n > 0 && block.Count > 0; n--)
                {
                    block[random.Next(block.Count)] ^= (byte)(1 << random.Next(8));
                }

                return [.. block];
            case 2:
                block.InsertRange(random.Next(block.Count + 1), seeds[random.Next(seeds.Length)].Take(random.Next(8)));
                return [.. block];
            case 3:
                block[random.Next(block.Count)] = (byte)random.Next(256);
                return [.. block];
            default:
                var bytes = new byte[random.Next(0, 40)];
                random.NextBytes(bytes);
                return bytes;
        }
    }
}
