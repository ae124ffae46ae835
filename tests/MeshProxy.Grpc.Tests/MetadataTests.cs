using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace MeshProxy.Grpc.Tests;

public class MetadataTests
{
    [Fact]
    public void Add_MixedCaseKey_IsLowercased() => Assert.Equal("x-trace-id", new Metadata().Add("X-Trace-Id", "1")[0].Key);

    [Theory]
    [InlineData("grpc-status")]
    [InlineData("grpc-custom")]
    [InlineData("content-type")]
    [InlineData("te")]
    [InlineData("user-agent")]
    [InlineData(":path")]
    public void Add_ReservedKey_IsRefused(string key) => Assert.Throws<ArgumentException>(() => new Metadata().Add(key, "v"));

    [Theory]
    [InlineData("has space")]
    [InlineData("slash/key")]
    [InlineData("")]
    public void Add_KeyOutsideGrammar_IsRefused(string key) => Assert.ThrowsAny<ArgumentException>(() => new Metadata().Add(key, "v"));

    [Fact]
    public void Add_NonAsciiTextValue_IsRefused() => Assert.Throws<ArgumentException>(() => new Metadata().Add("x-name", "é"));

    [Fact]
    public void Add_BinaryKeyNeedsBytesAndTextKeyNeedsText()
    {
        Assert.Throws<ArgumentException>(() => new Metadata().Add("x-data-bin", "text"));
        Assert.Throws<ArgumentException>(() => new Metadata().Add("x-data", new byte[] { 1 }));
    }

    [Fact]
    public void Get_ReturnsLastEntryAndGetAllKeepsOrder()
    {
        var metadata = new Metadata().Add("x-a", "1").Add("x-b", "2").Add("x-a", "3");
        Assert.Equal("3", metadata.GetValue("x-a"));
        Assert.Equal(["1", "3"], metadata.GetAll("X-A").Select(e => e.Value));
        Assert.Null(metadata.Get("x-missing"));
    }

    [Theory]
    [InlineData("AAH+/w==")]
    [InlineData("AAH+/w")]
    public void TryDecodeBinary_PaddedAndUnpadded_Accepted(string value)
    {
        Assert.True(MetadataHeaders.TryDecodeBinary(value, out var bytes));
        Assert.Equal(new byte[] { 0, 1, 254, 255 }, bytes);
    }

    [Fact]
    public void EncodeBinary_OmitsPaddingAndRoundTrips()
    {
        var encoded = MetadataHeaders.EncodeBinary([0, 1, 254, 255]);
        Assert.Equal("AAH+/w", encoded);
        Assert.True(MetadataHeaders.TryDecodeBinary(encoded, out var bytes));
        Assert.Equal(new byte[] { 0, 1, 254, 255 }, bytes);
    }

    [Fact]
    public void FromHeaders_SkipsReservedSplitsBinaryAndDropsInvalid()
    {
        var headers = new HeaderDictionary
        {
            ["content-type"] = "application/grpc",
            ["grpc-timeout"] = "1S",
            ["te"] = "trailers",
            ["x-text"] = "hello",
            ["x-multi-bin"] = "AQ,AgM=",
            ["x-broken-bin"] = "!!!",
        };
        var metadata = MetadataHeaders.FromHeaders(headers);
        Assert.Equal(["x-text", "x-multi-bin", "x-multi-bin"], metadata.Select(e => e.Key));
        Assert.Equal(new byte[] { 1 }, metadata[1].ValueBytes);
        Assert.Equal(new byte[] { 2, 3 }, metadata[2].ValueBytes);
    }

    [Fact]
    public void AddHeader_MultipleTextValues_KeepsEach()
    {
        var metadata = new Metadata();
        MetadataHeaders.AddHeader(metadata, "X-Values", new StringValues(["a", "b"]));
        Assert.Equal(["a", "b"], metadata.GetAll("x-values").Select(e => e.Value));
    }
}
