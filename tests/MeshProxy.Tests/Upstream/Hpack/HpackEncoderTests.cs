using System.Buffers;
using System.Text;
using CsCheck;
using MeshProxy.Upstream.Hpack;

namespace MeshProxy.Tests.Upstream.Hpack;

public sealed class HpackEncoderTests
{
    private static readonly (string Name, string Value)[] GrpcRequest =
    [
        (":method", "POST"), (":scheme", "http"), (":authority", "backend:5001"), (":path", "/greet.Greeter/SayHello"),
        ("content-type", "application/grpc"), ("te", "trailers"), ("grpc-accept-encoding", "identity,gzip"),
        ("user-agent", "grpc-dotnet/2.85.0 (.NET 10.0.0; CLR 10.0.0; net10.0; linux; x64)"),
    ];

    [Theory]
    [InlineData(":method", "POST", "83")]
    [InlineData(":method", "GET", "82")]
    [InlineData(":scheme", "http", "86")]
    [InlineData(":scheme", "https", "87")]
    [InlineData(":path", "/", "84")]
    [InlineData(":status", "200", "88")]
    [InlineData("accept-encoding", "gzip, deflate", "90")]
    public void EncodeHeader_NameAndValueInTheStaticTable_IsOneIndexedByteAndNotAdded(string name, string value, string hex)
    {
        var encoder = new HpackEncoder();
        Assert.Equal(HeaderList.Hex(hex), Block(encoder, (name, value)));
        Assert.Equal(0, encoder.DynamicTableCount);
    }

    [Fact]
    public void EncodeHeader_RepeatingField_IndexedWhenFirstSent_OneIndexedByteAfter()
    {
        var encoder = new HpackEncoder();
        var server = new HpackServerModel(encoder);

        // content-type is static index 31, in the 6-bit prefix of a literal with incremental indexing (0x40 | 31);
        // the value follows Huffman coded.
        var first = Block(encoder, ("content-type", "application/grpc"));
        Assert.Equal(0x5F, first[0]);
        Assert.Equal(0x80, first[1] & 0x80);
        Assert.Equal([("content-type", "application/grpc")], server.Decode(first));

        // A new string instance with the same content: the newest dynamic entry, index 62.
        Assert.Equal([0xBE], Block(encoder, ("content-type", new string("application/grpc".AsSpan()))));
        Assert.Equal(60, encoder.DynamicTableSize); // 12 + 16 + 32
    }

    [Fact]
    public void EncodeHeader_NewName_IsSentAsAStringOnceThenIndexed()
    {
        // "te" Huffman coded is 10 bits, two bytes, no shorter: sent raw. "trailers" is 43 bits, 6 bytes: coded.
        var encoder = new HpackEncoder();
        var server = new HpackServerModel(encoder);
        var first = Block(encoder, ("te", "trailers"));
        Assert.Equal(HeaderList.Hex("40 02 7465 86"), first[..5]);
        Assert.Equal(11, first.Length);
        Assert.Equal([("te", "trailers")], server.Decode(first));
        Assert.Equal([0xBE], Block(encoder, ("te", "trailers")));
    }

    [Fact]
    public void EncodeBlock_SecondIdenticalGrpcRequest_IsOneBytePerField()
    {
        var encoder = new HpackEncoder();
        var server = new HpackServerModel(encoder);
        var first = Block(encoder, GrpcRequest);
        var second = Block(encoder, Copies(GrpcRequest));

        Assert.Equal(GrpcRequest, server.Decode(first));
        Assert.Equal(GrpcRequest, server.Decode(second));
        Assert.True(first.Length > 100, $"the first block carries the strings: {first.Length} bytes");
        Assert.Equal(GrpcRequest.Length, second.Length);
        Assert.All(second, b => Assert.Equal(0x80, b & 0x80));
    }

    [Theory]
    [InlineData("grpc-timeout", "998m")]
    [InlineData("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")]
    [InlineData("tracestate", "congo=t61rcWkgMzE")]
    [InlineData("x-request-id", "7f3a9c0e-5d1b-4c2a-9e8f-0a1b2c3d4e5f")]
    [InlineData("grpc-previous-rpc-attempts", "1")]
    [InlineData("content-length", "1234")]
    public void EncodeHeader_PerCallField_IsALiteralWithoutIndexing_EveryTime(string name, string value)
    {
        var encoder = new HpackEncoder();
        var server = new HpackServerModel(encoder);
        var first = Block(encoder, (name, value));
        var second = Block(encoder, (name, value));

        Assert.Equal(0x00, first[0] & 0xF0);
        Assert.Equal(first, second);
        Assert.Equal([(name, value)], server.Decode(first));
        Assert.Equal([(name, value)], server.Decode(second));
        Assert.Equal(0, server.Decoder.DynamicTableCount);
    }

    [Theory]
    [InlineData("grpc-timeout", 0)]
    [InlineData("grpc-previous-rpc-attempts", 0)]
    [InlineData("content-length", 28)]
    [InlineData("x-request-id", 0)]
    [InlineData("traceparent", 0)]
    [InlineData("tracestate", 0)]
    [InlineData("grpc-trace-bin", 0)]
    [InlineData("b3", 0)] // Huffman coded no shorter than its 2 bytes: sent raw
    [InlineData("x-b3-traceid", 0)]
    [InlineData("x-b3-spanid", 0)]
    [InlineData("x-b3-parentspanid", 0)]
    public void EncodeHeader_PerCallField_IsTheLiteralWithoutIndexingBuiltByHand(string name, int staticNameIndex)
    {
        // The field's literal up to the value is made once; it must be what RFC 7541 §6.2.2 and §5.2 give for the name.
        // The value is sent raw, even where Huffman coding would be shorter (the traceparent, the sevens).
        string[] values = ["1S", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "\u00e9\u00ff{}", "", new string('7', 400)];
        var encoder = new HpackEncoder();
        var server = new HpackServerModel(encoder);
        foreach (var value in values)
        {
            byte[] expected = [.. Integer(staticNameIndex, 4, 0x00), .. staticNameIndex == 0 ? String(name) : [], .. Integer(value.Length, 7, 0x00), .. Encoding.Latin1.GetBytes(value)];
            if (staticNameIndex != 0 && value.Length == 0)
            {
                expected = [(byte)(0x80 | staticNameIndex)]; // the static table's own entry, content-length with no value
            }

            var block = Block(encoder, (name, value));
            Assert.Equal(expected, block);
            Assert.Equal([(name, value)], server.Decode(block));
            Assert.Equal(0, encoder.DynamicTableCount);
        }

        static byte[] String(string text)
        {
            var raw = Encoding.Latin1.GetBytes(text);
            var coded = new byte[Huffman.EncodedLength(raw)];
            Huffman.Encode(raw, coded);
            return coded.Length < raw.Length ? [.. Integer(coded.Length, 7, 0x80), .. coded] : [.. Integer(raw.Length, 7, 0x00), .. raw];
        }

        static byte[] Integer(int value, int prefixBits, byte pattern)
        {
            var bytes = new byte[HpackInteger.MaxLength];
            return bytes[..HpackInteger.Encode(value, prefixBits, pattern, bytes)];
        }
    }

    [Fact]
    public void EncodeHeader_PerCallFieldWithACharAboveLatin1_IsRefusedAndNothingIsWritten()
    {
        var encoder = new HpackEncoder();
        var writer = new ArrayBufferWriter<byte>();
        encoder.BeginBlock(writer);
        var error = Assert.Throws<ArgumentException>(() => encoder.EncodeHeader("traceparent", "secret\u20ac", writer));
        Assert.Contains("'traceparent'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, writer.WrittenCount);
    }

    [Fact]
    public void EncodeHeader_Path_IndexedUpTo256Bytes_LongerIsALiteralWithoutIndexing()
    {
        var encoder = new HpackEncoder();
        var server = new HpackServerModel(encoder);
        var grpcMethod = "/" + new string('m', 255);
        var longer = grpcMethod + "x";

        var block = Block(encoder, (":path", grpcMethod), (":path", longer));
        Assert.Equal(0x44, block[0]); // incremental indexing, :path (static 4)
        Assert.Equal([(":path", grpcMethod), (":path", longer)], server.Decode(block));
        Assert.Equal(1, encoder.DynamicTableCount);

        block = Block(encoder, (":path", grpcMethod), (":path", longer));
        Assert.Equal([0xBE, 0x04], block[..2]); // indexed; then without indexing, :path
        Assert.Equal([(":path", grpcMethod), (":path", longer)], server.Decode(block));
    }

    [Theory]
    [InlineData(4096u, 1024)]
    [InlineData(256u, 64)]
    public void EncodeHeader_FieldOverAQuarterOfTheTable_IsNotIndexed(uint tableSize, int quarter)
    {
        var encoder = new HpackEncoder();
        var server = new HpackServerModel(encoder);
        server.Settings(tableSize);
        var fits = new string('v', quarter - 32 - "x-big".Length);

        var block = Block(encoder, ("x-big", fits), ("x-big", fits + "v"));
        Assert.Equal([("x-big", fits), ("x-big", fits + "v")], server.Decode(block));
        Assert.Equal(1, encoder.DynamicTableCount);
        Assert.Equal(quarter, encoder.DynamicTableSize);

        // The larger one names the entry the first became (index 62, 4-bit prefix full, then 47), without indexing.
        block = Block(encoder, ("x-big", fits + "v"));
        Assert.Equal([0x0F, 62 - 15], block[..2]);
        Assert.Equal([("x-big", fits + "v")], server.Decode(block));
    }

    [Theory]
    [InlineData("authorization", "Bearer abc.def", "1f08")]       // index 23: 0x10 | 0x0f, then 8
    [InlineData("proxy-authorization", "Basic YWxhZGRpbg==", "1f22")] // index 49: then 34
    [InlineData("cookie", "session=1234567890", "1f11")]           // index 32: then 17; 18 bytes, under 20
    public void EncodeHeader_Credential_IsNeverIndexed_EveryTime(string name, string value, string prefix)
    {
        var encoder = new HpackEncoder();
        var server = new HpackServerModel(encoder);
        var first = Block(encoder, (name, value));
        var second = Block(encoder, (name, value));

        Assert.Equal(HeaderList.Hex(prefix), first[..2]);
        Assert.Equal(first, second);
        Assert.Equal([(name, value)], server.Decode(first));
        Assert.Equal([(name, value)], server.Decode(second));
        Assert.Equal(0, encoder.DynamicTableCount);
    }

    [Fact]
    public void EncodeHeader_CookieOf20BytesOrMore_IsIndexed()
    {
        var encoder = new HpackEncoder();
        var server = new HpackServerModel(encoder);
        var block = Block(encoder, ("cookie", "session=0123456789ab"));
        Assert.Equal(0x40 | 32, block[0]);
        Assert.Equal([("cookie", "session=0123456789ab")], server.Decode(block));
        Assert.Equal([0xBE], Block(encoder, ("cookie", "session=0123456789ab")));
    }

    [Fact]
    public void EncodeHeader_NewValueOfANameInTheDynamicTable_NamesTheEntry()
    {
        var encoder = new HpackEncoder();
        var server = new HpackServerModel(encoder);
        var block = Block(encoder, ("x-tenant", "a"), ("grpc-timeout", "1S"), ("x-tenant", "b"), ("x-tenant", "c"));

        // Each new x-tenant value names the newest x-tenant entry: 62 the first time, 62 again (b is then newest).
        Assert.Equal([("x-tenant", "a"), ("grpc-timeout", "1S"), ("x-tenant", "b"), ("x-tenant", "c")], server.Decode(block));
        var second = Block(encoder, ("x-tenant", "d"));
        Assert.Equal(0x40 | 62, second[0]);
        Assert.Equal([("x-tenant", "d")], server.Decode(second));
    }

    [Fact]
    public void EncodeHeader_LiteralNamingTheEntryItsInsertionEvicts_DecodesRight()
    {
        // RFC 7541 §4.4: the name is read from the table before the entry it names is evicted to make room.
        var encoder = new HpackEncoder();
        var server = new HpackServerModel(encoder);
        server.Settings(256);
        (string, string)[] full = [("x-k", new string('k', 29)), ("x-l", new string('l', 29)), ("x-m", new string('m', 29)), ("x-n", new string('n', 29))];
        Assert.Equal(full, server.Decode(Block(encoder, full)));
        Assert.Equal(256, encoder.DynamicTableSize); // four entries of 64, the most a quarter allows

        // x-k is the oldest, index 65 (6-bit prefix full, then 2); adding x-k: b evicts it.
        var block = Block(encoder, ("x-k", "b"));
        Assert.Equal([0x7F, 65 - 63], block[..2]);
        Assert.Equal([("x-k", "b")], server.Decode(block));
        Assert.Equal((4, (3 * 64) + 36), (encoder.DynamicTableCount, encoder.DynamicTableSize));
    }

    [Fact]
    public void SetMaxTableSize_NoChangeFromTheInitial4096_SendsNoSizeUpdate()
    {
        var encoder = new HpackEncoder();
        var server = new HpackServerModel(encoder);
        Assert.Empty(HpackServerModel.SizeUpdates(Block(encoder, GrpcRequest)));

        server.Settings(4096);
        server.Settings(65536); // above our 4096: the table stays at 4096
        Assert.Equal([0xBE], Block(encoder, ("user-agent", GrpcRequest[^1].Value)));
        Assert.Equal(4096, encoder.DynamicTableCapacity);
    }

    [Fact]
    public void SetMaxTableSize_Smaller_NextBlockOpensWithTheUpdate_AndTheOldestEntriesGo()
    {
        var encoder = new HpackEncoder();
        var server = new HpackServerModel(encoder);
        server.Decode(Block(encoder, ("x-a", "1"), ("x-b", "2"), ("x-c", "3"))); // 36 each
        server.Settings(100);

        var block = Block(encoder, ("x-c", "3"), ("x-b", "2"), ("x-a", "1"));
        Assert.Equal([100], HpackServerModel.SizeUpdates(block));
        Assert.Equal(HeaderList.Hex("3f45"), block[..2]);    // 100 = 31 + 69
        Assert.Equal([0xBE, 0xBF], block[2..4]);               // x-c, x-b; x-a went to make room
        Assert.Equal([("x-c", "3"), ("x-b", "2"), ("x-a", "1")], server.Decode(block));

        // A quarter of 100 is 25: x-a (36) is now too large to index again.
        Assert.Equal(72, encoder.DynamicTableSize);
    }

    [Fact]
    public void SetMaxTableSize_Larger_NextBlockOpensWithTheUpdate_AndMoreIsKept()
    {
        var encoder = new HpackEncoder();
        var server = new HpackServerModel(encoder);
        server.Settings(256);
        var opening = Block(encoder, ("x-a", "1"));
        Assert.Equal([256], HpackServerModel.SizeUpdates(opening));
        server.Decode(opening);

        server.Settings(8192);
        var block = Block(encoder, ("x-a", "1"), ("x-big", new string('v', 900)));
        Assert.Equal([4096], HpackServerModel.SizeUpdates(block));
        Assert.Equal(0xBE, block[3]);
        Assert.Equal(2, server.Decode(block).Count);
        Assert.Equal(2, encoder.DynamicTableCount); // 900 bytes fit a quarter of 4096, not of 256
    }

    [Fact]
    public void SetMaxTableSize_Zero_EmptiesTheTable_AndNothingIsIndexedAfter()
    {
        var encoder = new HpackEncoder();
        var server = new HpackServerModel(encoder);
        server.Decode(Block(encoder, GrpcRequest));
        server.Settings(0);

        var block = Block(encoder, GrpcRequest);
        Assert.Equal([0], HpackServerModel.SizeUpdates(block));
        Assert.Equal(GrpcRequest, server.Decode(block));
        Assert.Equal(GrpcRequest, server.Decode(Block(encoder, GrpcRequest)));
        Assert.Equal(0, server.Decoder.DynamicTableCount);
    }

    [Fact]
    public void SetMaxTableSize_DownAndUpBetweenBlocks_SignalsTheSmallestThenTheFinal()
    {
        var encoder = new HpackEncoder();
        var server = new HpackServerModel(encoder);
        server.Decode(Block(encoder, GrpcRequest));
        server.Settings(1000);
        server.Settings(0);
        server.Settings(2000);

        var block = Block(encoder, GrpcRequest);
        Assert.Equal([0, 2000], HpackServerModel.SizeUpdates(block));
        Assert.Equal(GrpcRequest, server.Decode(block));
        Assert.Equal(GrpcRequest.Length, Block(encoder, GrpcRequest).Length);
    }

    [Fact]
    public void EncodeHeader_CharAboveLatin1_IsRefusedWithoutEchoingTheValue()
    {
        var encoder = new HpackEncoder();
        var writer = new ArrayBufferWriter<byte>();
        encoder.BeginBlock(writer);
        var error = Assert.Throws<ArgumentException>(() => encoder.EncodeHeader("x-token", "secret\u20ac", writer));
        Assert.Contains("'x-token'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, writer.WrittenCount);
        Assert.Equal(0, encoder.DynamicTableCount);
    }

    [Fact]
    public void EncodeHeader_FailedBlockDropped_EncoderAndServerStayInStep()
    {
        var encoder = new HpackEncoder();
        var server = new HpackServerModel(encoder);
        Assert.Equal([("x-a", "1"), ("x-b", "2")], server.Decode(Block(encoder, ("x-a", "1"), ("x-b", "2"))));

        // This block adds two entries, then meets a value HPACK cannot carry; the connection drops it unsent.
        var dropped = new ArrayBufferWriter<byte>();
        encoder.BeginBlock(dropped);
        encoder.EncodeHeader("x-c", "3", dropped);
        encoder.EncodeHeader("x-a", "1", dropped);
        encoder.EncodeHeader("x-d", "4", dropped);
        Assert.Throws<ArgumentException>(() => encoder.EncodeHeader("x-e", "caf\u20ac", dropped));

        // The server saw only the first block. The next one empties both tables and starts again.
        (string, string)[] fields = [("x-c", "3"), ("x-a", "1"), ("x-b", "2"), ("x-d", "4")];
        var block = Block(encoder, fields);
        Assert.Equal([0, 4096], HpackServerModel.SizeUpdates(block));
        Assert.Equal(fields, server.Decode(block));
        Assert.Equal(4, server.Decoder.DynamicTableCount);

        block = Block(encoder, fields);
        Assert.Equal(fields.Length, block.Length);
        Assert.Equal(fields, server.Decode(block));
    }

    [Fact]
    public void EncodeHeader_FailedBlockThatOpenedWithASizeUpdate_TheUpdateIsSentAgain()
    {
        // The dropped block carried the update the server waits for since its SETTINGS lowered the size to 0.
        var encoder = new HpackEncoder();
        var server = new HpackServerModel(encoder);
        server.Decode(Block(encoder, GrpcRequest));
        server.Settings(0);
        var dropped = new ArrayBufferWriter<byte>();
        encoder.BeginBlock(dropped);
        Assert.Throws<ArgumentException>(() => encoder.EncodeHeader("x-e", "caf\u20ac", dropped));

        var block = Block(encoder, GrpcRequest);
        Assert.Equal([0], HpackServerModel.SizeUpdates(block));
        Assert.Equal(GrpcRequest, server.Decode(block));
    }

    [Fact]
    public void EncodeBlocks_AnySequenceWithSettingsChangesAndFailures_TheServerDecodesEveryFieldInStep()
    {
        // Few names and values, so fields repeat; tables as small as 64 bytes, so entries are evicted all the time.
        string[] names = [":path", ":authority", "content-type", "te", "x-a", "x-b", "x-tenant", "grpc-timeout", "authorization", "cookie", "user-agent"];
        string[] values = ["", "1", "trailers", "application/grpc", "/pkg.Service/Method", "value of some length", "caf\u00e9"];
        var name = Gen.OneOf(Gen.Int[0, names.Length - 1].Select(i => names[i]), Gen.String[Gen.Char["abcxyz-"], 1, 12]);
        var value = Gen.Frequency(
            (6, Gen.Int[0, values.Length - 1].Select(i => values[i])),
            (3, Gen.String[Gen.Char[(char)0, (char)255], 0, 40]),
            (1, Gen.String[Gen.Char.AlphaNumeric, 200, 1200]));
        var fields = Gen.Select(name, value).Array[0, 14];
        var step = Gen.Frequency(
            (12, fields.Select(f => new Step(f, FailAt: -1, Settings: null))),
            (2, Gen.Select(fields, Gen.Int[0, 14]).Select(t => new Step(t.Item1, Math.Min(t.Item2, t.Item1.Length), null))),
            (3, Gen.OneOf(Gen.UInt[0, 5000], Gen.Const(0u), Gen.Const(64u), Gen.Const(256u), Gen.Const(uint.MaxValue)).Select(s => new Step([], -1, s))));

        step.Array[1, 40].Sample(steps =>
        {
            var encoder = new HpackEncoder();
            var server = new HpackServerModel(encoder);
            foreach (var s in steps)
            {
                if (s.Settings is { } size)
                {
                    server.Settings(size);
                    continue;
                }

                // A block that fails (at any field, or after the last) is dropped unsent, as the connection does.
                var writer = new ArrayBufferWriter<byte>();
                encoder.BeginBlock(writer);
                for (var i = 0; i <= s.Fields.Length; i++)
                {
                    if (i == s.FailAt)
                    {
                        Assert.Throws<ArgumentException>(() => encoder.EncodeHeader("x-bad", "\u0100", writer));
                        break;
                    }

                    if (i < s.Fields.Length)
                    {
                        encoder.EncodeHeader(s.Fields[i].Name, s.Fields[i].Value, writer);
                    }
                }

                if (s.FailAt < 0)
                {
                    encoder.EndBlock();
                    Assert.Equal(s.Fields, server.Decode(writer.WrittenSpan.ToArray()));
                }
            }
        }, iter: 500, threads: 1);
    }

    [Fact]
    public void EncodeBlocks_MoreNameInstancesThanTheEncoderKeepsFactsOf_EveryBlockDecodesAsSent()
    {
        // The encoder keeps what it worked out about a name per instance, in a few dozen slots: names of one length and
        // ending alike share a neighbourhood, fill it, and are worked out anew each time after that.
        var encoder = new HpackEncoder();
        var server = new HpackServerModel(encoder);
        for (var i = 0; i < 300; i++)
        {
            (string Name, string Value)[] fields =
            [
                .. Copies(GrpcRequest),
                ($"x-{i % 7}a{i}", "v"),
                (new string("grpc-timeout".AsSpan()), $"{i}m"),
                (new string(":method".AsSpan()), i % 2 == 0 ? "POST" : "GET"),
                (new string("content-length".AsSpan()), i % 3 == 0 ? string.Empty : "5"),
            ];

            Assert.Equal(fields, server.Decode(Block(encoder, fields)));
        }
    }

    [Fact]
    public void EncodeBlock_WarmConnection_AllocatesNothing()
    {
        (string Name, string Value)[] request = [.. GrpcRequest, ("grpc-timeout", "1S"), ("authorization", "Bearer abc")];
        var encoder = new HpackEncoder();
        var writer = new ArrayBufferWriter<byte>(4096);
        Encode(request);
        var copies = Copies(request);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            writer.ResetWrittenCount();
            Encode(copies);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);

        void Encode((string Name, string Value)[] fields)
        {
            encoder.BeginBlock(writer);
            foreach (var (name, value) in fields)
            {
                encoder.EncodeHeader(name, value, writer);
            }

            encoder.EndBlock();
        }
    }

    private static byte[] Block(HpackEncoder encoder, params (string Name, string Value)[] fields)
    {
        var writer = new ArrayBufferWriter<byte>();
        encoder.BeginBlock(writer);
        foreach (var (name, value) in fields)
        {
            encoder.EncodeHeader(name, value, writer);
        }

        encoder.EndBlock();
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>The same fields in new string instances, as the next call brings them.</summary>
    private static (string Name, string Value)[] Copies((string Name, string Value)[] fields) =>
        [.. fields.Select(f => (new string(f.Name.AsSpan()), new string(f.Value.AsSpan())))];

    /// <summary>A header block (failing after <paramref name="FailAt"/> fields when that is not -1), or a SETTINGS change.</summary>
    private sealed record Step((string Name, string Value)[] Fields, int FailAt, uint? Settings);
}
