using System.Net;
using System.Text.Json;
using MeshProxy.TestSupport;

namespace MeshProxy.FunctionalTests.Transcoding;

/// <summary>grpc-gateway's <c>map_field[key]=value</c> query syntax over HTTP/1.1, end to end to a gRPC backend.</summary>
[Collection(TranscodingStackCollection.Name)]
public sealed class TranscodingMapQueryTests(TranscodingStackFixture stack)
{
    [Fact]
    public async Task MapQuery_EntriesOfStringAndIntKeys_ReachTheBackendAsMapEntries()
    {
        using var response = await stack.Rest.SendAsync(
            HttpMethod.Get, "/v1/test/maps?labels[env]=prod&labels%5Bteam%5D=core%20infra&ranks[3]=bronze&ranks[-1]=last&labels[env]=staging").DefaultTimeout();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var metadata = json.RootElement.GetProperty("metadata").EnumerateArray().Select(m => m.GetString()!).ToArray();
        Assert.Equal(["labels:env=staging", "labels:team=core infra", "ranks:-1=last", "ranks:3=bronze"], metadata);
    }

    [Theory]
    [InlineData("ranks[three]=x", "ranks[three]")]
    [InlineData("scenario[k]=x", "scenario is not a map field")]
    public async Task MapQuery_BadKeyOrNonMapField_Is400NamingTheParameter(string query, string expected)
    {
        using var response = await stack.Rest.SendAsync(HttpMethod.Get, "/v1/test/maps?" + query).DefaultTimeout();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Contains(expected, json.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
    }
}
