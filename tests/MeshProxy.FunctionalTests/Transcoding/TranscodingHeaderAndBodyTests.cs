using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using MeshProxy.TestSupport;
using MeshProxy.Transcoding.Rest;
using MeshProxy.Transcoding.Rules;
using Microsoft.Extensions.DependencyInjection;

namespace MeshProxy.FunctionalTests.Transcoding;

/// <summary>Headers both ways, HttpBody in and out, response_body, OpenAPI, and the canary split of a REST route.</summary>
[Collection(TranscodingStackCollection.Name)]
public sealed class TranscodingHeaderAndBodyTests(TranscodingStackFixture stack)
{
    [Fact]
    public async Task RequestHeaders_ChosenOnes_BecomeGrpcMetadata()
    {
        using var response = await stack.Rest.SendAsync(
            HttpMethod.Post,
            "/v1/test/probe/echo",
            """{"text": "hi", "number": "7"}""",
            ("Authorization", "Bearer t0ken"),
            ("x-request-id", "req-42"),
            ("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"),
            ("x-tenant-id", "acme"),
            ("x-other", "dropped"),
            ("Cookie", "secret=1")).DefaultTimeout();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var reply = json.RootElement;
        Assert.Equal("hi", reply.GetProperty("text").GetString());
        Assert.Equal("7", reply.GetProperty("number").GetString());
        var metadata = reply.GetProperty("metadata").EnumerateArray().Select(m => m.GetString()).ToArray();
        Assert.Contains("authorization=Bearer t0ken", metadata);
        Assert.Contains("x-request-id=req-42", metadata);

        // The trace continues upstream; the parent span id is the caller's, or the proxy's attempt span when an
        // ActivityListener (another test's tracer in this process) records spans.
        Assert.Contains(metadata, m => m!.StartsWith("traceparent=00-0af7651916cd43dd8448eb211c80319c-", StringComparison.Ordinal));
        Assert.Contains("x-tenant-id=acme", metadata);
        Assert.Contains("te=trailers", metadata);
        Assert.Contains("content-type=application/grpc", metadata);
        Assert.DoesNotContain(metadata, m => m!.StartsWith("x-other=", StringComparison.Ordinal));
        Assert.DoesNotContain(metadata, m => m!.StartsWith("cookie=", StringComparison.Ordinal));

        // The call telemetry of the gRPC listener wraps transcoded calls too: the request id is echoed.
        Assert.Equal("req-42", Assert.Single(response.Headers.GetValues("x-request-id")));
    }

    [Fact]
    public async Task ResponseMetadata_HeadersAndTrailers_ComeBackPrefixed()
    {
        using var response = await stack.Rest.SendAsync(HttpMethod.Post, "/v1/test/probe/echo", "{}").DefaultTimeout();

        Assert.Equal("in-headers", Assert.Single(response.Headers.GetValues("grpc-metadata-x-echo")));
        Assert.Equal("in-trailers", Assert.Single(response.Headers.GetValues("grpc-metadata-x-echo-trailer")));
        Assert.False(response.Headers.Contains("grpc-metadata-grpc-status"));
    }

    [Fact]
    public async Task SampleBackendVersion_ComesBackAsMetadataHeader()
    {
        using var response = await stack.Rest.SendAsync(HttpMethod.Get, "/v1/users/u-1001").DefaultTimeout();

        Assert.Equal("v1", Assert.Single(response.Headers.GetValues("grpc-metadata-x-backend-version")));
    }

    [Fact]
    public async Task HttpBody_RawBytesInAndOut_KeepTheContentType()
    {
        var content = new ByteArrayContent([1, 2, 3, 4, 250]);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/octet-stream");

        using var response = await stack.Rest.SendAsync(HttpMethod.Post, "/v1/test/upload", content, HttpCompletionOption.ResponseContentRead).DefaultTimeout();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/octet-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal([250, 4, 3, 2, 1], await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task ResponseBody_RepeatedField_IsTheArrayAlone()
    {
        using var response = await stack.Rest.SendAsync(HttpMethod.Get, "/v1/test/items").DefaultTimeout();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""["a","b","c"]""", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task OpenApi_IsTheDocumentOfTheLiveRules()
    {
        using var response = await stack.Rest.SendAsync(HttpMethod.Get, "/openapi.json").DefaultTimeout();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var served = await response.Content.ReadAsByteArrayAsync();
        using var json = JsonDocument.Parse(served);
        Assert.StartsWith("3.1", json.RootElement.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        Assert.True(json.RootElement.GetProperty("paths").TryGetProperty("/v1/users/{user_id}", out var user), "GetUser's path is documented");
        Assert.True(user.TryGetProperty("get", out _));
        var table = stack.Proxy.Services.GetRequiredService<TranscodingSnapshotProvider>().Current!.Table;
        Assert.Equal(OpenApiDocumentWriter.Write(table, "MeshProxy REST API", serverUrl: null), served);
    }

    [Fact]
    public async Task CanaryRoute_TranscodedCalls_SplitNinetyTen()
    {
        const int Calls = 400;
        var versions = new Dictionary<string, int>();
        for (var i = 0; i < Calls; i++)
        {
            using var response = await stack.Rest.SendAsync(HttpMethod.Get, "/v1/inventory/sku-banana").DefaultTimeout();
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var version = Assert.Single(response.Headers.GetValues("grpc-metadata-x-backend-version"));
            versions[version] = versions.GetValueOrDefault(version) + 1;
        }

        // 10% of 400 is 40, sd ~6: [20, 60] holds far beyond 3 sd, and the Random is seeded anyway.
        Assert.InRange(versions.GetValueOrDefault("v2"), 20, 60);
        Assert.Equal(Calls, versions.GetValueOrDefault("v1") + versions.GetValueOrDefault("v2"));
    }

    [Fact]
    public async Task Metrics_TranscodedCalls_AreCountedByRouteAndHttpStatus()
    {
        using (await stack.Rest.SendAsync(HttpMethod.Get, "/v1/inventory/sku-cherry").DefaultTimeout())
        using (await stack.Rest.SendAsync(HttpMethod.Get, "/v2/no/route").DefaultTimeout())
        {
        }

        using var ops = new HttpClient { BaseAddress = stack.Proxy.Address(Hosting.ListenerName.Ops) };
        var text = await ops.GetStringAsync("/metrics").DefaultTimeout();

        Assert.Matches("meshproxy_transcoding_requests_total\\{[^}]*route=\"stock-canary\"[^}]*\\} [1-9]", text);
        Assert.Matches("meshproxy_transcoding_errors_total\\{[^}]*stage=\"route\"[^}]*\\} [1-9]", text);
    }

    [Fact]
    public async Task AdminConfig_ShowsTheTranscodingSection()
    {
        using var admin = new HttpClient { BaseAddress = stack.Proxy.Address(Hosting.ListenerName.Admin) };

        using var json = JsonDocument.Parse(await admin.GetStringAsync("/config").DefaultTimeout());

        var transcoding = json.RootElement.GetProperty("transcoding");
        Assert.Equal("builtin", transcoding.GetProperty("descriptorSets")[0].GetString());
        Assert.Equal(65536, transcoding.GetProperty("maxRequestBodyBytes").GetInt32());
        Assert.Equal("grpc-metadata-", transcoding.GetProperty("responseMetadataPrefix").GetString());
    }
}
