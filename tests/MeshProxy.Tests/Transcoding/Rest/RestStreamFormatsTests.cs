using MeshProxy.Transcoding.Rest;

namespace MeshProxy.Tests.Transcoding.Rest;

public sealed class RestStreamFormatsTests
{
    [Theory]
    [InlineData(null, "NdJson")]
    [InlineData("*/*", "NdJson")]
    [InlineData("application/x-ndjson", "NdJson")]
    [InlineData("text/event-stream", "ServerSentEvents")]
    [InlineData("text/event-stream;q=0.9, */*;q=0.1", "ServerSentEvents")]
    [InlineData("application/json", "JsonArray")]
    [InlineData("application/json; charset=utf-8", "JsonArray")]
    public void From_AcceptHeader_PicksTheFormat(string? accept, string expected) =>
        Assert.Equal(Enum.Parse<RestStreamFormat>(expected), RestStreamFormats.From(accept is null ? default : new Microsoft.Extensions.Primitives.StringValues(accept)));
}
