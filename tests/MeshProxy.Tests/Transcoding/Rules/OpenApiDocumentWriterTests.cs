using System.Text.Json;
using System.Text.Json.Nodes;
using MeshProxy.TestSupport;
using MeshProxy.Transcoding.Rules;

namespace MeshProxy.Tests.Transcoding.Rules;

public sealed class OpenApiDocumentWriterTests
{
    private static readonly Lazy<JsonNode> LazyDocument = new(() => JsonNode.Parse(OpenApiDocumentWriter.Write(WholeTable(), "MeshProxy test", "http://127.0.0.1:8080"))!);

    private static JsonNode Document => LazyDocument.Value;

    private static JsonNode Schemas => Document["components"]!["schemas"]!;

    [Theory]
    [InlineData(null)]
    [InlineData("meshproxy.testing.v1.EverythingService")]
    [InlineData("users.v1.UserService")]
    public async Task Write_DescriptorSetRules_ValidOpenApi31ByNpmValidator(string? service)
    {
        var table = service is null ? WholeTable() : RuleTestData.BuildOrThrow(new HttpRuleOptions { Services = [service] });
        var bytes = OpenApiDocumentWriter.Write(table, "MeshProxy", serverUrl: null);
        using var file = TempPath.File("openapi", ".json");
        await File.WriteAllBytesAsync(file.Path, bytes).DefaultTimeout();
        var directory = await NodePeers.EnsureInstalledAsync().WaitAsync(TimeSpan.FromMinutes(5));
        var result = await ProcessRunner.RunAsync("node", [Path.Combine("openapi", "validate.mjs"), file.Path], directory, TimeSpan.FromMinutes(1))
            .WaitAsync(TimeSpan.FromMinutes(2));
        Assert.True(result.ExitCode == 0, result.StandardError + result.StandardOutput);
        Assert.Equal("valid 3.1", result.StandardOutput.Trim());
    }

    [Fact]
    public async Task Validator_BrokenDocument_Fails()
    {
        // The validator must be able to say no, or the test above proves nothing.
        using var file = TempPath.File("openapi", ".json");
        await File.WriteAllTextAsync(file.Path, "{\"openapi\": \"3.1.0\", \"info\": {\"title\": \"x\"}, \"paths\": {\"/a\": {\"get\": {\"responses\": {\"200\": {\"description\": \"ok\", \"content\": {\"application/json\": {\"schema\": {\"$ref\": \"#/components/schemas/Nope\"}}}}}}}}}").DefaultTimeout();
        var directory = await NodePeers.EnsureInstalledAsync().WaitAsync(TimeSpan.FromMinutes(5));
        var result = await ProcessRunner.RunAsync("node", [Path.Combine("openapi", "validate.mjs"), file.Path], directory, TimeSpan.FromMinutes(1))
            .WaitAsync(TimeSpan.FromMinutes(2));
        Assert.NotEqual(0, result.ExitCode);
    }

    [Fact]
    public void Write_Header_VersionTitleServers()
    {
        Assert.Equal("3.1.0", (string?)Document["openapi"]);
        Assert.Equal("MeshProxy test", (string?)Document["info"]!["title"]);
        Assert.Equal("http://127.0.0.1:8080", (string?)Document["servers"]![0]!["url"]);
        Assert.Null(JsonNode.Parse(OpenApiDocumentWriter.Write(WholeTable(), "x", null))!["servers"]);
    }

    [Fact]
    public void Write_Operations_OnePerBindingWithSuffixedIds()
    {
        var paths = Document["paths"]!;
        Assert.Equal("LibraryService_GetBook", (string?)paths["/t/v1/{name}"]!["get"]!["operationId"]);
        Assert.Equal("LibraryService_GetBook_1", (string?)paths["/t/v1/by-name/{name}"]!["get"]!["operationId"]);
        Assert.Equal("LibraryService_UpdateBook", (string?)paths["/t/v1/{book.name}"]!["patch"]!["operationId"]);
        Assert.Equal("LibraryService_CancelOperation", (string?)paths["/t/v1/{name}:cancel"]!["post"]!["operationId"]);
        Assert.Equal("LibraryService_CheckAccess", (string?)paths["/t/v1/access/{resource}"]!["options"]!["operationId"]);
        Assert.Equal("LibraryService_GetFile", (string?)paths["/t/v1/files/{path}/content"]!["get"]!["operationId"]);
        Assert.Equal("Reads one book. Nested resource names, one additional binding with a `**` variable.", (string?)paths["/t/v1/{name}"]!["get"]!["description"]);
        var operationCount = paths.AsObject().Sum(p => p.Value!.AsObject().Count);
        Assert.Equal(WholeTable().Bindings.Count, operationCount);
    }

    [Fact]
    public void Write_PathParameters_PatternForStructuredVariablesAndPlaceholdersForWildcards()
    {
        var getBook = Parameters("/t/v1/{name}", "get");
        var name = Assert.Single(getBook);
        Assert.Equal(("name", "path", true), ((string?)name["name"], (string?)name["in"], (bool?)name["required"]));
        Assert.Equal("^shelves/[^/]+/books/[^/]+$", (string?)name["schema"]!["pattern"]);
        var ping = Parameters("/t/v1/ping/{_segment1}/{id}", "get");
        Assert.Equal(["_segment1", "id"], ping.Select(p => (string?)p["name"]));
        Assert.Equal(["_path1", "id"], Parameters("/t/v1/ping/{_path1}/last", "get").Select(p => (string?)p["name"]));
        Assert.Equal(["path", "query"], Parameters("/t/v1/ping/{_path1}/last", "get").Select(p => (string?)p["in"]));
        var everything = Parameters("/t/v1/everything/{f_string}/{f_int64}/{f_color}", "get").Where(p => (string?)p["in"] == "path").ToList();
        Assert.Equal("int64", (string?)everything[1]["schema"]!["format"]);
        Assert.Equal("#/components/schemas/meshproxy.testing.v1.Color", (string?)everything[2]["schema"]!["$ref"]);
    }

    [Fact]
    public void Write_QueryParameters_UnboundScalarsNestedOneLevelRepeatedExploded()
    {
        var search = Parameters("/t/v1/books:search", "get").ToDictionary(p => (string)p["name"]!);
        Assert.All(search.Values, p => Assert.Equal("query", (string?)p["in"]));
        Assert.Contains("shelf.id", search.Keys);
        Assert.Contains("pageSize", search.Keys);
        Assert.Contains("minPages", search.Keys);
        Assert.DoesNotContain("shelf", search.Keys);
        Assert.DoesNotContain("example", search.Keys);
        Assert.DoesNotContain("labels", search.Keys);
        Assert.Equal("array", (string?)search["tags"]["schema"]!["type"]);
        Assert.True((bool?)search["tags"]["explode"]);
        Assert.Equal("date-time", (string?)search["after"]["schema"]!["format"]);

        // Bound by path or body: not query parameters.
        var create = Parameters("/t/v1/{parent}/books", "post").Select(p => (string?)p["name"]).ToList();
        Assert.Equal(["parent", "requestId"], create);
        Assert.Equal(["name"], Parameters("/t/v1/{name}:cancel", "post").Select(p => (string?)p["name"]));
    }

    [Fact]
    public void Write_RequestAndResponseBodies_FollowBodyAndResponseBody()
    {
        var paths = Document["paths"]!;
        Assert.Equal("#/components/schemas/meshproxy.testing.v1.Book", (string?)paths["/t/v1/{parent}/books"]!["post"]!["requestBody"]!["content"]!["application/json"]!["schema"]!["$ref"]);
        Assert.Equal("array", (string?)paths["/t/v1/{name}/tags"]!["put"]!["requestBody"]!["content"]!["application/json"]!["schema"]!["type"]);
        Assert.NotNull(paths["/t/v1/uploads/{path}"]!["put"]!["requestBody"]!["content"]!["*/*"]);
        Assert.NotNull(paths["/t/v1/raw"]!["post"]!["requestBody"]!["content"]!["*/*"]);
        Assert.Null(paths["/t/v1/{name}"]!["get"]!["requestBody"]);

        var search = paths["/t/v1/books:search"]!["get"]!["responses"]!["200"]!["content"]!["application/json"]!["schema"]!;
        Assert.Equal("array", (string?)search["type"]);
        Assert.Equal("#/components/schemas/meshproxy.testing.v1.Book", (string?)search["items"]!["$ref"]);
        Assert.Equal("string", (string?)paths["/t/v1/{name}/title"]!["put"]!["responses"]!["200"]!["content"]!["application/json"]!["schema"]!["type"]);
        Assert.NotNull(paths["/t/v1/files/{path}/content"]!["get"]!["responses"]!["200"]!["content"]!["*/*"]);

        var watch = paths["/t/v1/books:watch"]!["get"]!["responses"]!["200"]!["content"]!;
        Assert.Equal("#/components/schemas/meshproxy.testing.v1.Book", (string?)watch["application/x-ndjson"]!["schema"]!["$ref"]);
        Assert.NotNull(watch["text/event-stream"]);
        Assert.Equal("#/components/schemas/google.rpc.Status", (string?)paths["/t/v1/{name}"]!["get"]!["responses"]!["default"]!["content"]!["application/json"]!["schema"]!["$ref"]);
    }

    [Fact]
    public void Write_Schemas_ProtoJsonTypes()
    {
        var everything = Schemas["meshproxy.testing.v1.Everything"]!["properties"]!;
        Assert.Equal(("string", "int64"), Type(everything["fInt64"]));
        Assert.Equal(("string", "uint64"), Type(everything["fFixed64"]));
        Assert.Equal(("integer", "int32"), Type(everything["fSint32"]));
        Assert.Equal(("string", "byte"), Type(everything["fBytes"]));
        Assert.Equal("#/components/schemas/meshproxy.testing.v1.Everything", (string?)everything["fRecursive"]!["$ref"]);
        Assert.Equal("#/components/schemas/meshproxy.testing.v1.Everything.Nested", (string?)everything["fNested"]!["$ref"]);
        Assert.Equal(("string", "date-time"), Type(everything["wTimestamp"]));
        Assert.Equal("object", (string?)everything["mInt32"]!["type"]);
        Assert.Equal("string", (string?)everything["mInt32"]!["additionalProperties"]!["type"]);
        Assert.Equal(["COLOR_UNSPECIFIED", "COLOR_RED", "COLOR_GREEN", "COLOR_BLUE"], Schemas["meshproxy.testing.v1.Color"]!["enum"]!.AsArray().Select(v => (string?)v));

        var book = Schemas["meshproxy.testing.v1.Book"]!;
        Assert.Equal("A book.", (string?)book["description"]);
        Assert.Equal("Resource name: shelves/{shelf}/books/{book}.", (string?)book["properties"]!["name"]!["description"]);
        Assert.Equal("object", (string?)book["properties"]!["extra"]!["type"]);
        var everythingSchema = Schemas["meshproxy.testing.v1.Everything"]!;
        Assert.Contains("(oneof choice).", (string?)everythingSchema["description"], StringComparison.Ordinal);
        Assert.Equal(["integer", "null"], everything["wInt32"]!["type"]!.AsArray().Select(v => (string?)v));
        Assert.Equal(["string", "null"], everything["wString"]!["type"]!.AsArray().Select(v => (string?)v));
        Assert.Equal("string", (string?)everything["wFieldMask"]!["type"]);
        Assert.Equal("string", (string?)everything["wDuration"]!["type"]);
        Assert.Equal("array", (string?)everything["rWrappedInt32"]!["type"]);
        Assert.Null(Schemas["meshproxy.testing.v1.SearchBooksRequest"]);
        var status = Schemas["google.rpc.Status"]!["properties"]!;
        Assert.Equal(["code", "message", "details"], status.AsObject().Select(p => p.Key));
        Assert.Equal("@type", (string?)status["details"]!["items"]!["required"]![0]);
    }

    private static (string?, string?) Type(JsonNode? schema) => ((string?)schema!["type"], (string?)schema["format"]);

    private static List<JsonNode> Parameters(string path, string method) =>
        [.. Document["paths"]![path]![method]!["parameters"]!.AsArray().Select(p => p!)];

    private static HttpRuleTable WholeTable() => RuleTestData.BuildOrThrow(HttpRuleOptions.Default);
}
