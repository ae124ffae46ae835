using System.Text;
using MeshProxy.Browser;

namespace MeshProxy.Tests.Browser;

public sealed class GrpcWebRequestBodyTests
{
    [Theory]
    [InlineData("")]
    [InlineData("AAAAAAgKBnUtMTAwMQ==")]
    [InlineData("AAEC")]
    [InlineData("AAE=")]
    public void Decode_OneChunk_SameAsConvert(string text)
    {
        Assert.Equal(Convert.FromBase64String(text), GrpcWebRequestBody.Decode(Encoding.ASCII.GetBytes(text)));
    }

    [Fact]
    public void Decode_PaddedChunksOneAfterAnother_Concatenated()
    {
        // PROTOCOL-WEB.md lets a text body be several base64 chunks, each padded.
        var decoded = GrpcWebRequestBody.Decode(Encoding.ASCII.GetBytes("AA==AAE=AAECAw=="));

        Assert.Equal(new byte[] { 0, 0, 1, 0, 1, 2, 3 }, decoded);
    }

    [Theory]
    [InlineData("AAA")]
    [InlineData("AA=A")]
    [InlineData("AA!=")]
    [InlineData("AAAA AAA")]
    [InlineData("=AAA")]
    public void Decode_NotBase64_Null(string text)
    {
        Assert.Null(GrpcWebRequestBody.Decode(Encoding.ASCII.GetBytes(text)));
    }
}
