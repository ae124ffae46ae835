namespace MeshProxy.Grpc.Tests;

public class GrpcMessageEncodingTests
{
    [Theory]
    [InlineData("plain ascii", "plain ascii")]
    [InlineData("100%", "100%25")]
    [InlineData("ü", "%C3%BC")]
    [InlineData("line\nbreak", "line%0Abreak")]
    [InlineData("😀", "%F0%9F%98%80")]
    public void Encode_PerSpec(string message, string expected) => Assert.Equal(expected, GrpcMessageEncoding.Encode(message));

    [Theory]
    [InlineData("precondition failed: ünïcode % 100")]
    [InlineData("tab\tand \u007F del")]
    [InlineData("")]
    public void EncodeThenDecode_RoundTrips(string message) => Assert.Equal(message, GrpcMessageEncoding.Decode(GrpcMessageEncoding.Encode(message)));

    [Theory]
    [InlineData("50%", "50%")]
    [InlineData("%zz", "%zz")]
    [InlineData("%4", "%4")]
    public void Decode_MalformedEscape_KeptAsWritten(string value, string expected) => Assert.Equal(expected, GrpcMessageEncoding.Decode(value));
}
