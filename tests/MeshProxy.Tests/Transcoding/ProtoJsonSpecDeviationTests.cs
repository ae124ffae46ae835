using System.Text;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using MeshProxy.Testing.V1;
using MeshProxy.Transcoding.Json;

namespace MeshProxy.Tests.Transcoding;

/// <summary>
/// Where Google.Protobuf 3.36.2 departs from the ProtoJSON spec (protobuf.dev "ProtoJSON format") we follow the spec;
/// each case is listed in docs/protojson.md. These tests pin both sides, so a change upstream shows up here.
/// </summary>
public sealed class ProtoJsonSpecDeviationTests
{
    [Fact]
    public void Int64AsJsonNumber_BeyondDoublePrecision_KeptExact()
    {
        // Google.Protobuf reads every JSON number as a double first, so 2^53 + 1 loses its last bit.
        const string json = "{\"fInt64\": 9007199254740993}";
        Assert.Equal(9007199254740992L, CodecTestData.Parser.Parse<Everything>(json).FInt64);
        Assert.Equal(9007199254740993L, Everything.Parser.ParseFrom(CodecTestData.ToBinaryOrThrow(json)).FInt64);
    }

    [Fact]
    public void Int64AsJsonNumber_MaxValue_Accepted()
    {
        const string json = "{\"fInt64\": 9223372036854775807, \"fUint64\": 18446744073709551615}";
        Assert.ThrowsAny<Exception>(() => CodecTestData.Parser.Parse<Everything>(json));
        var parsed = Everything.Parser.ParseFrom(CodecTestData.ToBinaryOrThrow(json));
        Assert.Equal(long.MaxValue, parsed.FInt64);
        Assert.Equal(ulong.MaxValue, parsed.FUint64);
    }

    [Theory]
    [InlineData("AQI", new byte[] { 1, 2 })]
    [InlineData("-_8", new byte[] { 0xFB, 0xFF })]
    [InlineData("-_8=", new byte[] { 0xFB, 0xFF })]
    public void Bytes_UrlSafeOrUnpaddedBase64_Accepted(string base64, byte[] expected)
    {
        // The spec accepts standard and URL-safe alphabets, with or without padding; Google.Protobuf only the padded standard form.
        var json = $"{{\"fBytes\": \"{base64}\"}}";
        Assert.ThrowsAny<Exception>(() => CodecTestData.Parser.Parse<Everything>(json));
        Assert.Equal(expected, Everything.Parser.ParseFrom(CodecTestData.ToBinaryOrThrow(json)).FBytes.ToByteArray());
    }

    [Fact]
    public void Oneof_NullMemberBesideAnother_Accepted()
    {
        // null means "not set", so only one member is set; Google.Protobuf counts the null member as set.
        const string json = "{\"oNested\": null, \"oString\": \"a\"}";
        Assert.ThrowsAny<InvalidProtocolBufferException>(() => CodecTestData.Parser.Parse<Everything>(json));
        Assert.Equal("a", Everything.Parser.ParseFrom(CodecTestData.ToBinaryOrThrow(json)).OString);
    }

    [Fact]
    public void Any_FieldsWithoutTypeUrl_Rejected()
    {
        // Only the empty Any may omit "@type": without it nothing says how to read the other keys. Google.Protobuf 3.36
        // drops them and returns the empty Any.
        const string json = "{\"wAny\": {\"fInt32\": 1}}";
        Assert.Equal(new Any(), CodecTestData.Parser.Parse<Everything>(json).WAny);
        var result = CodecTestData.ToBinary(json, out _);
        Assert.False(result.IsSuccess);
        Assert.Equal("$.wAny", result.Error.Path);
    }

    [Fact]
    public void Struct_EmptyKey_Written()
    {
        var message = new Everything { WStruct = new Struct { Fields = { [""] = Value.ForNumber(1) } } };
        Assert.Throws<InvalidOperationException>(() => CodecTestData.Formatter.Format(message));
        CodecTestData.AssertJsonEquivalent("{\"wStruct\": {\"\": 1}}", CodecTestData.ToJsonOrThrow(message.ToByteArray()));
    }

    [Fact]
    public void NegativeZero_ImplicitPresenceDouble_KeptOnTheWire()
    {
        // protobuf C++ compares float bits for implicit presence, so -0.0 is written; Google.Protobuf C# drops it.
        var message = new Everything { FDouble = -0.0 };
        Assert.Empty(message.ToByteArray());
        var binary = CodecTestData.ToBinaryOrThrow("{\"fDouble\": -0.0}");
        Assert.True(double.IsNegative(Everything.Parser.ParseFrom(binary).FDouble));
        CodecTestData.AssertJsonEquivalent("{\"fDouble\": -0}", CodecTestData.ToJsonOrThrow(binary));
    }

    [Fact]
    public void DuplicateKey_SameField_Rejected()
    {
        const string json = "{\"fInt32\": 1, \"f_int32\": 2}";
        var google = CodecTestData.Parser.Parse<Everything>(json);
        Assert.Equal(2, google.FInt32);
        var result = CodecTestData.ToBinary(json, out _);
        Assert.False(result.IsSuccess);
        Assert.Equal("$.fInt32", result.Error.Path);
    }
}
