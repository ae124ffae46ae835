using System.Buffers;
using System.Text;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using MeshProxy.Testing.V1;
using MeshProxy.Transcoding.Json;

namespace MeshProxy.Tests.Transcoding;

public sealed class ProtoJsonCodecTests
{
    [Theory]
    [InlineData("{\"rNested\": [{}, {}, {}, {\"a\": \"abc\"}]}", "$.rNested[3].a: expected an integer, got \"abc\"")]
    [InlineData("{\"mString\": {\"k1\": {\"child\": {\"b\": 5}}}}", "$.mString[\"k1\"].child.b: expected a string, got 5")]
    [InlineData("{\"fNested\": {\"zzz\": 1}}", "$.fNested: unknown field \"zzz\" in meshproxy.testing.v1.Everything.Nested")]
    [InlineData("{\"wStruct\": {\"a\": [1, 2, {\"b\": 1e999}]}}", "$.wStruct[\"a\"][2][\"b\"]: number 1e999 is out of range")]
    [InlineData("{\"fInt32\": 3000000000}", "$.fInt32: integer \"3000000000\" is out of range for a 32-bit integer")]
    [InlineData("{\"fColor\": \"PINK\"}", "$.fColor: unknown value \"PINK\" for enum meshproxy.testing.v1.Color")]
    [InlineData("{\"oInt32\": 1, \"oColor\": 2}", "$.oColor: more than one member of oneof choice is set")]
    public void JsonToBinary_BadValue_ErrorNamesJsonPath(string json, string expected)
    {
        var result = CodecTestData.ToBinary(json, out _);
        Assert.False(result.IsSuccess);
        Assert.Equal(expected, result.Error.ToString());
    }

    [Fact]
    public void JsonToBinary_DepthLimit_EnforcedWithoutCrash()
    {
        static string Nest(int depth) => string.Concat(Enumerable.Repeat("{\"fRecursive\": ", depth)) + "{}" + new string('}', depth);

        Assert.True(CodecTestData.ToBinary(Nest(99), out _).IsSuccess);
        var tooDeep = CodecTestData.ToBinary(Nest(100), out _);
        Assert.False(tooDeep.IsSuccess);
        Assert.Contains("nesting depth exceeds the limit of 100", tooDeep.Error.Message, StringComparison.Ordinal);

        // Far past any limit, in a Value: still an error value, no stack overflow.
        var deepArrays = "{\"wValue\": " + new string('[', 100_000) + new string(']', 100_000) + "}";
        Assert.False(CodecTestData.ToBinary(deepArrays, out _).IsSuccess);
        Assert.True(CodecTestData.ToBinary(Nest(150), out _, options: new JsonParseOptions { MaxDepth = 200 }).IsSuccess);
    }

    [Fact]
    public void JsonToBinary_InputOverSizeLimit_Rejected()
    {
        var result = CodecTestData.ToBinary("{\"fString\": \"" + new string('x', 2000) + "\"}", out _, options: new JsonParseOptions { MaxInputBytes = 1000 });
        Assert.False(result.IsSuccess);
        Assert.Contains("exceeds the limit", result.Error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new byte[] { 0x08 }, "truncated or malformed varint")]          // varint missing
    [InlineData(new byte[] { 0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01 }, "malformed varint")]
    [InlineData(new byte[] { 0x72, 0x05, 0x61 }, "past the end")]               // string length past the end
    [InlineData(new byte[] { 0x92, 0x01, 0x02, 0x08 }, "past the end")]         // submessage whose inner varint is cut
    [InlineData(new byte[] { 0x0E, 0x00 }, "invalid wire type")]                 // wire type 6
    [InlineData(new byte[] { 0x00, 0x00 }, "invalid field number")]              // field 0
    [InlineData(new byte[] { 0x8C, 0x3E }, "unbalanced group")]                  // end-group 1000 with no start
    [InlineData(new byte[] { 0x8B, 0x3E, 0x08, 0x01 }, "truncated")]             // start-group 1000, never ended
    [InlineData(new byte[] { 0x8B, 0x3E, 0x94, 0x3E }, "unbalanced group")]      // start-group 1000, end-group 1001
    [InlineData(new byte[] { 0xAA, 0x01, 0x03, 0x01, 0x80, 0x80 }, "malformed packed")] // packed int32 run with a cut varint
    [InlineData(new byte[] { 0xE2, 0x01, 0x03, 0x00, 0x00, 0x00 }, "malformed packed")] // packed fixed32 run of 3 bytes
    public void BinaryToJson_MalformedInput_ErrorValue(byte[] binary, string expected)
    {
        var result = CodecTestData.ToJson(binary, out _);
        Assert.False(result.IsSuccess);
        Assert.Contains(expected, result.Error.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidProtocolBufferException>(() => Everything.Parser.ParseFrom(binary));
    }

    [Fact]
    public void BinaryToJson_DeepRecursion_StopsAtDepthLimit()
    {
        byte[] inner = [];
        for (var i = 0; i < 150; i++)
        {
            inner = [0x9A, 0x01, .. Varint(inner.Length), .. inner]; // field 19, fRecursive
        }

        var result = CodecTestData.ToJson(inner, out _);
        Assert.False(result.IsSuccess);
        Assert.Contains("nesting depth", result.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Codec_MutatedInputs_NeverThrowOrHang()
    {
        var random = new Random(7);
        var messages = new RandomMessages(8);
        for (var i = 0; i < 400; i++)
        {
            var message = messages.Next();
            var binary = message.ToByteArray();
            var json = Encoding.UTF8.GetBytes(CodecTestData.Formatter.Format(message));
            for (var k = 0; k < 5; k++)
            {
                var mutatedBinary = Mutate(binary, random);
                var binaryResult = CodecTestData.ToJson(mutatedBinary, out _);
                var googleAccepts = TryGoogle(mutatedBinary);
                if (!googleAccepts)
                {
                    // What protobuf rejects as malformed we reject too (the reverse need not hold: we also check UTF-8 and JSON limits).
                    Assert.False(binaryResult.IsSuccess);
                }

                var output = new ArrayBufferWriter<byte>();
                ProtoJsonCodec.JsonToBinary(new ReadOnlySequence<byte>(Mutate(json, random)), CodecTestData.Everything, output);
            }
        }
    }

    [Fact]
    public void BinaryToJson_EmitDefaultsAmplification_StopsAtOutputLimit()
    {
        // 10,000 empty recursive messages: 30 KB of protobuf, megabytes of JSON once every default is written.
        var message = new Everything();
        message.RNested.Add(Enumerable.Range(0, 10_000).Select(_ => new Everything.Types.Nested()));
        var options = new JsonFormatOptions { EmitDefaultValues = true, MaxOutputBytes = 100_000 };
        var result = CodecTestData.ToJson(message.ToByteArray(), out _, options: options);
        Assert.False(result.IsSuccess);
        Assert.Contains("JSON output exceeds the limit of 100000 bytes", result.Error.Message, StringComparison.Ordinal);
        Assert.True(CodecTestData.ToJson(message.ToByteArray(), out _, options: options with { MaxOutputBytes = 10_000_000 }).IsSuccess);
    }

    [Fact]
    public void BinaryToJson_AnyWithUnknownType_ErrorAtItsPath()
    {
        var message = new Everything { RAny = { Any.Pack(new Small()), new Any { TypeUrl = "type.googleapis.com/no.such.Type", Value = ByteString.CopyFrom(1, 2) } } };
        var result = CodecTestData.ToJson(message.ToByteArray(), out _);
        Assert.False(result.IsSuccess);
        Assert.Equal("$.rAny[1]: cannot resolve type URL \"type.googleapis.com/no.such.Type\" in the descriptor set", result.Error.ToString());
    }

    [Fact]
    public void BinaryToJson_CallerWriter_WritesOneValueIntoIt()
    {
        var message = new Everything { FString = "x", WDuration = new Duration { Seconds = 2 } };
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            Assert.True(ProtoJsonCodec.BinaryToJson(message.ToByteArray(), CodecTestData.Everything, writer).IsSuccess);
            writer.WriteEndArray();
        }

        CodecTestData.AssertJsonEquivalent("[{\"fString\": \"x\", \"wDuration\": \"2s\"}]", Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    [Fact]
    public void BinaryToJson_UnknownFieldsAndGroups_SkippedInJson()
    {
        // fInt32 = 5, unknown field 1000 (string "abc"), unknown group 1001 holding a varint, fString = "x".
        byte[] binary = [0x08, 0x05, 0xC2, 0x3E, 0x03, 0x61, 0x62, 0x63, 0xCB, 0x3E, 0x08, 0x01, 0xCC, 0x3E, 0x72, 0x01, 0x78];
        CodecTestData.AssertJsonEquivalent("{\"fInt32\": 5, \"fString\": \"x\"}", CodecTestData.ToJsonOrThrow(binary));
        Assert.True(ProtoJsonCodec.ValidateBinary(binary, CodecTestData.Everything).IsSuccess);
    }

    [Fact]
    public void BinaryToJson_ProtobufMergeRules_MatchGeneratedCode()
    {
        var writer = new MemoryStream();
        var output = new CodedOutputStream(writer);

        // Packed run, unpacked elements and another field interleaved, for a packed field and an unpacked one.
        output.WriteTag(21, WireFormat.WireType.LengthDelimited);
        output.WriteLength(2);
        output.WriteInt32(1);
        output.WriteInt32(2);
        output.WriteTag(38, WireFormat.WireType.LengthDelimited); // unpacked field sent packed
        output.WriteLength(2);
        output.WriteInt32(7);
        output.WriteInt32(8);
        output.WriteTag(1, WireFormat.WireType.Varint);
        output.WriteInt32(5);
        output.WriteTag(21, WireFormat.WireType.Varint);
        output.WriteInt32(3);
        output.WriteTag(38, WireFormat.WireType.Varint);
        output.WriteInt32(9);

        // A singular message twice: merged. A scalar twice: last wins.
        output.WriteTag(18, WireFormat.WireType.LengthDelimited);
        output.WriteMessage(new Everything.Types.Nested { A = 1 });
        output.WriteTag(1, WireFormat.WireType.Varint);
        output.WriteInt32(6);
        output.WriteTag(18, WireFormat.WireType.LengthDelimited);
        output.WriteMessage(new Everything.Types.Nested { B = "b" });

        // Oneof: nested set, then int32, then nested again: only the last nested part survives.
        output.WriteTag(63, WireFormat.WireType.LengthDelimited);
        output.WriteMessage(new Everything.Types.Nested { A = 10 });
        output.WriteTag(61, WireFormat.WireType.Varint);
        output.WriteInt32(4);
        output.WriteTag(63, WireFormat.WireType.LengthDelimited);
        output.WriteMessage(new Everything.Types.Nested { B = "last" });

        // A map key sent twice: the later entry wins.
        foreach (var value in new[] { "first", "second" })
        {
            output.WriteTag(41, WireFormat.WireType.LengthDelimited);
            var entry = new MemoryStream();
            var entryOutput = new CodedOutputStream(entry);
            entryOutput.WriteTag(1, WireFormat.WireType.Varint);
            entryOutput.WriteInt32(3);
            entryOutput.WriteTag(2, WireFormat.WireType.LengthDelimited);
            entryOutput.WriteString(value);
            entryOutput.Flush();
            output.WriteBytes(ByteString.CopyFrom(entry.ToArray()));
        }

        output.Flush();
        var binary = writer.ToArray();
        var expected = CodecTestData.Formatter.Format(Everything.Parser.ParseFrom(binary));
        CodecTestData.AssertJsonEquivalent(expected, CodecTestData.ToJsonOrThrow(binary));
        Assert.Contains("\"rInt32\": [ 1, 2, 3 ]", expected, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(20)]
    public void BinaryToJson_RepeatedMapKeys_LaterEntryWins(int distinctKeys)
    {
        // Small and large maps take different de-duplication paths; both must keep the last entry per key.
        var binary = new List<byte>();
        foreach (var (key, value) in Enumerable.Range(0, distinctKeys).Select(k => (k, $"v{k}")).Concat([(1, "again"), (0, "last")]))
        {
            var entry = new Everything { MInt32 = { [key] = value } }.ToByteArray();
            binary.AddRange(entry);
        }

        var bytes = binary.ToArray();
        var expected = CodecTestData.Formatter.Format(Everything.Parser.ParseFrom(bytes));
        CodecTestData.AssertJsonEquivalent(expected, CodecTestData.ToJsonOrThrow(bytes));
        Assert.Contains("\"0\": \"last\"", expected, StringComparison.Ordinal);
    }

    [Fact]
    public void JsonToBinary_LongValues_LengthPrefixesGrowCorrectly()
    {
        // 127/128 and 16383/16384 byte bodies straddle the one-byte length slot we reserve.
        foreach (var length in new[] { 0, 1, 126, 127, 128, 129, 16383, 16384, 70000 })
        {
            var message = new Everything
            {
                FNested = new Everything.Types.Nested { B = new string('n', length), Child = new Everything.Types.Nested { B = new string('c', length) } },
                RNested = { new Everything.Types.Nested { B = new string('r', length) } },
                RInt32 = { Enumerable.Range(0, length / 4) },
            };
            var binary = CodecTestData.ToBinaryOrThrow(CodecTestData.Formatter.Format(message));
            Assert.Equal(message.ToByteArray(), binary);
        }
    }

    [Fact]
    public void BinaryToJson_TimestampAndDuration_FractionDigitsZeroThreeSixNine()
    {
        var message = new Everything
        {
            RTimestamp =
            {
                new Timestamp { Seconds = 0 },
                new Timestamp { Seconds = 1, Nanos = 500_000_000 },
                new Timestamp { Seconds = 2, Nanos = 500_000 },
                new Timestamp { Seconds = 3, Nanos = 500 },
                new Timestamp { Seconds = -62135596800 },
                new Timestamp { Seconds = 253402300799, Nanos = 999_999_999 },
            },
            WDuration = new Duration { Seconds = -1, Nanos = -500_000_000 },
        };
        CodecTestData.AssertJsonEquivalent(
            "{\"rTimestamp\": [\"1970-01-01T00:00:00Z\", \"1970-01-01T00:00:01.500Z\", \"1970-01-01T00:00:02.000500Z\", " +
            "\"1970-01-01T00:00:03.000000500Z\", \"0001-01-01T00:00:00Z\", \"9999-12-31T23:59:59.999999999Z\"], \"wDuration\": \"-1.500s\"}",
            CodecTestData.ToJsonOrThrow(message.ToByteArray()));
    }

    [Theory]
    [InlineData(253402300800L, 0)]
    [InlineData(-62135596801L, 0)]
    [InlineData(0L, 1_000_000_000)]
    [InlineData(0L, -1)]
    public void BinaryToJson_TimestampOutOfRange_Error(long seconds, int nanos)
    {
        var message = new Everything { WTimestamp = new Timestamp { Seconds = seconds, Nanos = nanos } };
        var result = CodecTestData.ToJson(message.ToByteArray(), out _);
        Assert.False(result.IsSuccess);
        Assert.Equal("$.wTimestamp", result.Error.Path);
    }

    [Fact]
    public void JsonToBinary_IgnoreUnknownFields_DropsUnknownFieldsAndEnumNames()
    {
        const string json = "{\"nope\": {\"deep\": [1]}, \"fColor\": \"PINK\", \"rColor\": [\"COLOR_RED\", \"PINK\"], \"mSint32\": {\"1\": \"PINK\", \"2\": \"COLOR_GREEN\"}, \"fInt32\": 3}";
        Assert.False(CodecTestData.ToBinary(json, out _).IsSuccess);
        var parsed = Everything.Parser.ParseFrom(CodecTestData.ToBinaryOrThrow(json, options: new JsonParseOptions { IgnoreUnknownFields = true }));
        Assert.Equal(3, parsed.FInt32);
        Assert.Equal(Color.Unspecified, parsed.FColor);
        Assert.Equal([Color.Red], parsed.RColor);
        Assert.Equal(new Dictionary<int, Color> { [2] = Color.Green }, parsed.MSint32);

        // The spec drops unknown enum names when ignoring unknown fields; Google.Protobuf 3.36 does too (3.25 rejected them).
        var google = new JsonParser(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));
        Assert.Equal(google.Parse<Everything>(json), parsed);
    }

    [Fact]
    public void JsonToBinary_CaseInsensitiveEnums_OnlyWhenAsked()
    {
        const string json = "{\"fColor\": \"color_blue\"}";
        Assert.False(CodecTestData.ToBinary(json, out _).IsSuccess);
        var parsed = Everything.Parser.ParseFrom(CodecTestData.ToBinaryOrThrow(json, options: new JsonParseOptions { CaseInsensitiveEnums = true }));
        Assert.Equal(Color.Blue, parsed.FColor);
    }

    [Fact]
    public void BinaryToJson_Indented_MatchesJsonFormatterIndentation()
    {
        var message = new Everything { FInt32 = 1, FNested = new Everything.Types.Nested { A = 2 } };
        var json = CodecTestData.ToJsonOrThrow(message.ToByteArray(), options: new JsonFormatOptions { Indented = true });
        Assert.Equal("{\n  \"fInt32\": 1,\n  \"fNested\": {\n    \"a\": 2\n  }\n}", json.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void WriteFieldFromText_AppendedToBody_MergesLikeProtobuf()
    {
        var type = CodecTestData.Everything;
        var body = CodecTestData.ToBinaryOrThrow("{\"fNested\": {\"b\": \"body\"}, \"fInt32\": 1, \"rInt64\": [\"1\"]}");
        var output = new ArrayBufferWriter<byte>();
        output.Write(body);
        var nested = type.FindField("fNested".AsSpan())!;
        Assert.True(ProtoJsonCodec.WriteFieldFromText([nested, nested.MessageType.FindField("a".AsSpan())!], "42", output).IsSuccess);
        Assert.True(ProtoJsonCodec.WriteFieldFromText([type.FindField("fInt32".AsSpan())!], "7", output).IsSuccess);
        Assert.True(ProtoJsonCodec.WriteFieldFromText([type.FindField("rInt64".AsSpan())!], "2", output).IsSuccess);
        Assert.True(ProtoJsonCodec.WriteFieldFromText([type.FindField("fColor".AsSpan())!], "COLOR_GREEN", output).IsSuccess);
        Assert.True(ProtoJsonCodec.WriteFieldFromText([type.FindField("fBool".AsSpan())!], "true", output).IsSuccess);
        Assert.True(ProtoJsonCodec.WriteFieldFromText([type.FindField("wTimestamp".AsSpan())!], "2024-01-01T00:00:00Z", output).IsSuccess);
        var bad = ProtoJsonCodec.WriteFieldFromText([type.FindField("fInt32".AsSpan())!], "seven", new ArrayBufferWriter<byte>());
        Assert.False(bad.IsSuccess);

        var merged = Everything.Parser.ParseFrom(output.WrittenSpan);
        Assert.Equal(new Everything.Types.Nested { A = 42, B = "body" }, merged.FNested);
        Assert.Equal(7, merged.FInt32);
        Assert.Equal([1L, 2L], merged.RInt64);
        Assert.Equal(Color.Green, merged.FColor);
        Assert.True(merged.FBool);
        Assert.Equal(1704067200, merged.WTimestamp.Seconds);
    }

    [Fact]
    public void Codec_ManyThreads_SharePoolSafely()
    {
        var messages = Enumerable.Range(0, 64).Select(i => new RandomMessages(i).Next()).ToArray();
        var expected = messages.Select(m => CodecTestData.Formatter.Format(m)).ToArray();
        Parallel.For(0, 512, i =>
        {
            var index = i % messages.Length;
            CodecTestData.AssertJsonEquivalent(expected[index], CodecTestData.ToJsonOrThrow(messages[index].ToByteArray()));
            Assert.Equal(messages[index], Everything.Parser.ParseFrom(CodecTestData.ToBinaryOrThrow(expected[index])));
        });
    }

    private static byte[] Varint(int value)
    {
        var bytes = new List<byte>();
        var v = (uint)value;
        while (v >= 0x80)
        {
            bytes.Add((byte)(v | 0x80));
            v >>= 7;
        }

        bytes.Add((byte)v);
        return [.. bytes];
    }

    private static byte[] Mutate(byte[] input, Random random)
    {
        if (input.Length == 0)
        {
            return [(byte)random.Next(256)];
        }

        var copy = (byte[])input.Clone();
        switch (random.Next(3))
        {
            case 0:
                return copy[..random.Next(copy.Length)];
            case 1:
                copy[random.Next(copy.Length)] = (byte)random.Next(256);
                return copy;
            default:
                copy[random.Next(copy.Length)] ^= (byte)(1 << random.Next(8));
                return copy;
        }
    }

    [Fact]
    public void BinaryToJson_InvalidUtf8String_RejectedLikeParser()
    {
        // proto3 strings must be valid UTF-8 (protobuf.dev, "Language Guide (proto3)", scalar types); Google.Protobuf 3.36
        // rejects them too (3.25 substituted U+FFFD).
        byte[] binary = [0x72, 0x02, 0xC3, 0x28]; // field 14 (fString), bytes C3 28
        Assert.Throws<InvalidProtocolBufferException>(() => Everything.Parser.ParseFrom(binary));
        var result = CodecTestData.ToJson(binary, out _);
        Assert.False(result.IsSuccess);
        Assert.Equal("$.fString", result.Error.Path);
    }

    private static bool TryGoogle(byte[] binary)
    {
        try
        {
            Everything.Parser.ParseFrom(binary);
            return true;
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or InvalidOperationException)
        {
            // Google.Protobuf throws InvalidOperationException ("SkipLastField cannot be called at the end of a stream")
            // on some truncated inputs: still a rejection.
            return false;
        }
    }
}
