using System.Text;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using MeshProxy.Testing.V1;
using MeshProxy.Tests.Transcoding;
using MeshProxy.Transcoding.Rules;

namespace MeshProxy.Tests.Transcoding.Rules;

public sealed class RequestMessageBuilderTests
{
    private static readonly Lazy<HttpRuleTable> LazyLibrary = new(() => RuleTestData.BuildOrThrow(
        new HttpRuleOptions { Services = ["meshproxy.testing.v1.LibraryService", "meshproxy.testing.v1.EverythingService"] }));

    private static HttpRuleTable Library => LazyLibrary.Value;

    private static T Ok<T>(string method, string pathAndQuery, string? body = null, string? contentType = null, RequestBuildOptions? options = null)
        where T : class, IMessage<T>, new()
    {
        var (message, error) = RuleTestData.Request<T>(Library, method, pathAndQuery, body, contentType, options);
        Assert.Null(error);
        return message!;
    }

    private static RequestBuildError Fails(string method, string pathAndQuery, string? body = null, string? contentType = null, RequestBuildOptions? options = null)
    {
        var (_, error) = RuleTestData.RequestBytes(Library, method, pathAndQuery, body is null ? [] : Encoding.UTF8.GetBytes(body), contentType, options);
        Assert.NotNull(error);
        return error;
    }

    [Fact]
    public void Build_BodyStar_JsonIsTheMessageAndPathOverlaysIt()
    {
        var message = Ok<CancelOperationRequest>("POST", "/t/v1/operations/o1:cancel", "{\"name\": \"ignored\", \"reason\": \"late\"}");
        Assert.Equal(new CancelOperationRequest { Name = "operations/o1", Reason = "late" }, message);
    }

    [Fact]
    public void Build_BodyStarEverything_MatchesGoogleProtobufParser()
    {
        const string json = "{\"fInt64\": \"-5\", \"fColor\": \"COLOR_BLUE\", \"rString\": [\"a\", \"b\"], \"wTimestamp\": \"2024-01-02T03:04:05Z\", \"mInt32\": {\"5\": \"v\"}}";
        var message = Ok<Everything>("POST", "/t/v1/everything", json, "application/json; charset=utf-8");
        Assert.Equal(CodecTestData.Parser.Parse<Everything>(json), message);
    }

    [Fact]
    public void Build_BodyStar_QueryParametersAreNotBoundAndIgnored()
    {
        var message = Ok<CancelOperationRequest>("POST", "/t/v1/operations/o1:cancel?reason=query", "{\"reason\": \"body\"}");
        Assert.Equal("body", message.Reason);
        var error = Fails("POST", "/t/v1/operations/o1:cancel?bogus=1", "{}", options: new RequestBuildOptions { RejectUnknownQueryParameters = true });
        Assert.Equal(400, error.HttpStatus);
    }

    [Fact]
    public void Build_BodyMessageField_FillsFieldAndQueryFillsTheRest()
    {
        var message = Ok<CreateBookRequest>(
            "POST", "/t/v1/shelves/s1/books?requestId=r1&book.title=fromQuery&parent=fromQuery",
            "{\"title\": \"Dune\", \"genre\": \"GENRE_FICTION\", \"tags\": [\"sf\"]}");
        Assert.Equal("shelves/s1", message.Parent);
        Assert.Equal("r1", message.RequestId);
        Assert.Equal(new Book { Title = "Dune", Genre = Genre.Fiction, Tags = { "sf" } }, message.Book);
    }

    [Fact]
    public void Build_BodyRepeatedField_ArrayFillsIt()
    {
        var message = Ok<SetTagsRequest>("PUT", "/t/v1/shelves/s/books/b/tags?tags=q", "[\"a\", \"b\"]");
        Assert.Equal(["a", "b"], message.Tags);
        Assert.Equal("shelves/s/books/b", message.Name);
    }

    [Fact]
    public void Build_BodyScalarField_StringFillsIt()
    {
        Assert.Equal("New title", Ok<SetTitleRequest>("PUT", "/t/v1/shelves/s/books/b/title", "\"New title\"").Title);
        var error = Fails("PUT", "/t/v1/shelves/s/books/b/title", "42");
        Assert.Equal(400, error.HttpStatus);
        Assert.Contains("$.title", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_BodyStructValueListValueFields_AnyJsonFillsThem()
    {
        var metadata = Ok<SetMetadataRequest>("PUT", "/t/v1/shelves/s/metadata", "{\"a\": [1, true, null], \"b\": {\"c\": \"d\"}}");
        Assert.Equal(Struct.Parser.ParseJson("{\"a\": [1, true, null], \"b\": {\"c\": \"d\"}}"), metadata.Metadata);
        Assert.Equal("shelves/s", metadata.Name);
        Assert.Equal(Value.ForString("x"), Ok<SetMetadataRequest>("PUT", "/t/v1/shelves/s/value", "\"x\"").Value);
        Assert.Equal(Value.ForNull(), Ok<SetMetadataRequest>("PUT", "/t/v1/shelves/s/value", "null").Value);
        Assert.Equal(ListValue.Parser.ParseJson("[1, \"two\"]"), Ok<SetMetadataRequest>("PUT", "/t/v1/shelves/s/list", "[1, \"two\"]").List);
    }

    [Fact]
    public void Build_NestedBodyFieldAndNestedPathVariable_BothLand()
    {
        var message = Ok<Everything>("PUT", "/t/v1/everything/fromPath", "{\"a\": 7, \"b\": \"fromBody\", \"child\": {\"a\": 8}}");
        Assert.Equal(7, message.FNested.A);
        Assert.Equal("fromPath", message.FNested.B);
        Assert.Equal(8, message.FNested.Child.A);
    }

    [Fact]
    public void Build_LargeBodyAcrossSegments_Converts()
    {
        var title = new string('x', 100_000);
        var body = Encoding.UTF8.GetBytes($"{{\"title\": \"{title}\"}}");
        var segmented = SegmentedSequence.Create(body, 7);
        var match = Library.Match("POST", "/t/v1/shelves/s1/books");
        var output = new System.Buffers.ArrayBufferWriter<byte>();
        Assert.Null(RequestMessageBuilder.Build(match.Binding!, match.Variables, default, segmented, "application/json", RequestBuildOptions.Default, output));
        Assert.Equal(title, CreateBookRequest.Parser.ParseFrom(output.WrittenSpan).Book.Title);
    }

    [Fact]
    public void Build_NoBodyRuleWithBody_BadRequest()
    {
        var error = Fails("GET", "/t/v1/shelves/s/books/b", "{}");
        Assert.Equal(new RequestBuildError(400, "GET /t/v1/{name=shelves/*/books/*} takes no request body"), error);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("application/jsonx")]
    [InlineData("+json")]
    public void Build_JsonBodyWithOtherContentType_UnsupportedMediaType(string contentType) =>
        Assert.Equal(415, Fails("POST", "/t/v1/shelves/s/books", "{}", contentType).HttpStatus);

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("application/json")]
    [InlineData("Application/JSON; charset=utf-8")]
    [InlineData("application/merge-patch+json")]
    [InlineData("application/vnd.api+json;v=1")]
    public void Build_JsonContentTypes_Accepted(string? contentType) =>
        Assert.Equal("T", Ok<CreateBookRequest>("POST", "/t/v1/shelves/s/books", "{\"title\": \"T\"}", contentType).Book.Title);

    [Theory]
    [InlineData("{", "invalid JSON body")]
    [InlineData("{\"pages\": \"many\"}", "$.book.pages")]
    public void Build_BadJsonBody_BadRequestWithJsonPath(string body, string expected)
    {
        var error = Fails("POST", "/t/v1/shelves/s/books", body);
        Assert.Equal(400, error.HttpStatus);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_UnknownBodyFields_IgnoredByDefaultRejectedByOption()
    {
        Assert.Equal("T", Ok<CreateBookRequest>("POST", "/t/v1/shelves/s/books", "{\"title\": \"T\", \"nope\": 1}").Book.Title);
        var strict = new RequestBuildOptions { Json = new() };
        Assert.Equal(400, Fails("POST", "/t/v1/shelves/s/books", "{\"nope\": 1}", options: strict).HttpStatus);
    }

    [Fact]
    public void Build_EmptyBodyForBodyRule_EmptyMessageField()
    {
        var message = Ok<CreateBookRequest>("POST", "/t/v1/shelves/s/books");
        Assert.Null(message.Book);
        Assert.Equal("shelves/s", message.Parent);
    }

    [Fact]
    public void Build_QueryScalarsNestedRepeatedEnumsAndWellKnownTypes_AllFilled()
    {
        var message = Ok<SearchBooksRequest>(
            "GET",
            "/t/v1/books:search?query=a+b%26c&page_size=10&tags=x&tags=y&genres=GENRE_FICTION&genres=2&genre=1"
            + "&shelf.id=s1&shelf.theme=sea&after=2024-05-06T07:08:09.5Z&maxAge=1.5s&readMask=title,author.name"
            + "&minPages=3&author=Ann&includeDrafts=true&minRating=4.5&cursor=AQI-&big=18446744073709551615&available=false"
            + "&ids=1&ids=-2&shelf_id=sid");
        var expected = new SearchBooksRequest
        {
            Query = "a b&c",
            PageSize = 10,
            Tags = { "x", "y" },
            Genres = { Genre.Fiction, Genre.History },
            Genre = Genre.Fiction,
            Shelf = new Shelf { Id = "s1", Theme = "sea" },
            After = Timestamp.FromDateTimeOffset(new DateTimeOffset(2024, 5, 6, 7, 8, 9, 500, TimeSpan.Zero)),
            MaxAge = Duration.FromTimeSpan(TimeSpan.FromSeconds(1.5)),
            ReadMask = new FieldMask { Paths = { "title", "author.name" } },
            MinPages = 3,
            Author = "Ann",
            IncludeDrafts = true,
            MinRating = 4.5,
            Cursor = ByteString.CopyFrom(1, 2, 0x3E),
            Big = ulong.MaxValue,
            Available = false,
            Ids = { 1, -2 },
            ShelfId = "sid",
        };
        Assert.Equal(expected, message);
    }

    // Found by fuzz/run.sh rest: the PATCH mask reads the body's keys before the body is converted, and a key that is
    // not UTF-8 threw InvalidOperationException out of the builder.
    [Fact]
    public void Build_PatchBodyWithInvalidUtf8Key_IsBadRequest()
    {
        var (_, error) = RuleTestData.RequestBytes(Library, "PATCH", "/t/v1/shelves/1/books/2", [.. "{\"ti"u8, 0xF1, .. "le\":\"t\"}"u8], "application/json", null);
        Assert.NotNull(error);
        Assert.Equal(400, error.HttpStatus);
    }

    // grpc-gateway runtime/query_test.go: "uint64_value": {"1", "2"} is "too many values for field" (issue 12).
    [Theory]
    [InlineData("page_size=1&page_size=2")]
    [InlineData("page_size=1&pageSize=1")]
    [InlineData("example.title=a&example.title=b")]
    [InlineData("min_rating=1&minRating=2")]
    public void Build_QuerySingularFieldTwice_IsBadRequest(string query)
    {
        var error = Fails("GET", "/t/v1/books:search?" + query);
        Assert.Equal(400, error.HttpStatus);
        Assert.Contains("is given more than once", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_QueryRepeatedFieldTwice_Appends()
    {
        Assert.Equal(new long[] { 1, -2 }, Ok<SearchBooksRequest>("GET", "/t/v1/books:search?ids=1&ids=-2").Ids);
    }

    [Fact]
    public void Build_QueryEnumNumberWithoutName_KeptAsNumber()
    {
        Assert.Equal((Genre)7, Ok<SearchBooksRequest>("GET", "/t/v1/books:search?genre=7").Genre);
    }

    [Fact]
    public void Build_QueryValueForPathBoundField_PathWins()
    {
        var message = Ok<GetBookRequest>("GET", "/t/v1/shelves/s/books/b?name=other");
        Assert.Equal("shelves/s/books/b", message.Name);
    }

    [Theory]
    [InlineData("shelf=x", "names a message (meshproxy.testing.v1.Shelf) field")]
    [InlineData("example=x", "names a message (meshproxy.testing.v1.Book) field")]
    [InlineData("labels=x", "names a map field")]
    [InlineData("labels=x", "map entries as labels[key]=value")]
    [InlineData("query[k]=x", "query is not a map field, so it takes no [key]")]
    [InlineData("shelf[k]=x", "shelf is not a map field")]
    [InlineData("genre_by_rank[one]=GENRE_FICTION", "genre_by_rank[one]")]
    [InlineData("genre_by_rank[99999999999]=GENRE_FICTION", "genre_by_rank[99999999999]")]
    [InlineData("genre_by_rank[1]=GENRE_NOPE", "GENRE_NOPE")]
    [InlineData("counts_by_flag[maybe]=1", "counts_by_flag[maybe]")]
    [InlineData("counts_by_flag[true]=many", "counts_by_flag[true]")]
    [InlineData("shelves_by_key[a]=x", "the values of map shelves_by_key are messages (meshproxy.testing.v1.Shelf)")]
    [InlineData("labels[k=x", "a map entry is written field[key]=value")]
    [InlineData("[k]=x", "a map entry is written field[key]=value")]
    [InlineData("labels[k]=%zz", "malformed percent-encoding")]
    [InlineData("labels.k=x", "'labels' is not a singular message field")]
    [InlineData("after.seconds=1", "'after' is not a singular message field")]
    [InlineData("page_size=ten", "page_size")]
    [InlineData("genre=GENRE_NOPE", "GENRE_NOPE")]
    [InlineData("after=yesterday", "after")]
    [InlineData("query=%zz", "malformed percent-encoding")]
    [InlineData("%zz=1", "malformed percent-encoding")]
    [InlineData("query=%FF", "does not decode to UTF-8")]
    [InlineData("include_drafts=yes", "include_drafts")]
    public void Build_BadQueryParameter_BadRequest(string query, string expected)
    {
        var error = Fails("GET", "/t/v1/books:search?" + query);
        Assert.Equal(400, error.HttpStatus);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_QueryMapEntries_ParsedByKeyAndValueTypes()
    {
        var message = Ok<SearchBooksRequest>(
            "GET",
            "/t/v1/books:search?labels[env]=prod&labels%5Bteam%5D=a%20b&labels[env]=staging&labels[]=empty"
            + "&genre_by_rank[1]=GENRE_FICTION&genreByRank[-2]=2&counts_by_flag[true]=-5&counts_by_flag[false]=7"
            + "&example.labels[k.with.dots]=v");

        var expected = new SearchBooksRequest
        {
            Labels = { ["env"] = "staging", ["team"] = "a b", [""] = "empty" },
            GenreByRank = { [1] = Genre.Fiction, [-2] = (Genre)2 },
            CountsByFlag = { [true] = -5, [false] = 7 },
            Example = new Book { Labels = { ["k.with.dots"] = "v" } },
        };
        Assert.Equal(expected.Labels, message.Labels);
        Assert.Equal(expected.GenreByRank, message.GenreByRank);
        Assert.Equal(expected.CountsByFlag, message.CountsByFlag);
        Assert.Equal(expected.Example, message.Example);
    }

    [Fact]
    public void Build_UnknownQueryParameter_IgnoredByDefaultRejectedByOption()
    {
        Assert.Equal(3, Ok<SearchBooksRequest>("GET", "/t/v1/books:search?nope=1&shelf.nope=2&page_size=3&=4&&flag").PageSize);
        var error = Fails("GET", "/t/v1/books:search?nope=1", options: new RequestBuildOptions { RejectUnknownQueryParameters = true });
        Assert.Equal(new RequestBuildError(400, "query parameter 'nope' names no field of meshproxy.testing.v1.SearchBooksRequest"), error);
    }

    [Fact]
    public void Build_PathVariableOfEveryScalarKind_Converted()
    {
        var message = Ok<Everything>("GET", "/t/v1/everything/a%2Fb/-9007199254740993/COLOR_RED");
        Assert.Equal(("a/b", -9007199254740993L, Color.Red), (message.FString, message.FInt64, message.FColor));
        Assert.Equal(Color.Blue, Ok<Everything>("GET", "/t/v1/everything/x/1/-3").FColor);
        Assert.Equal(400, Fails("GET", "/t/v1/everything/x/notanumber/1").HttpStatus);
    }

    [Fact]
    public void Build_MalformedPathVariable_BadRequest()
    {
        var error = Fails("OPTIONS", "/t/v1/access/%zz");
        Assert.Equal(400, error.HttpStatus);
        Assert.StartsWith("path variable 'resource': malformed percent-encoding", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_PatchWithoutMask_FillsMaskFromBodyKeys()
    {
        var message = Ok<UpdateBookRequest>(
            "PATCH", "/t/v1/shelves/s/books/b",
            "{\"title\": \"T\", \"publishTime\": \"2024-01-01T00:00:00Z\", \"author\": {\"address\": {\"city\": \"Oslo\"}, \"name\": \"N\"}, \"labels\": {\"a\": \"b\"}, \"extra\": {\"k\": 1}, \"unknown\": 1, \"tags\": []}");
        Assert.Equal(["title", "publish_time", "author.address.city", "author.name", "labels", "extra", "tags"], message.UpdateMask.Paths);
        Assert.Equal("shelves/s/books/b", message.Book.Name);
        Assert.Equal("Oslo", message.Book.Author.Address.City);
    }

    [Fact]
    public void Build_PatchWithEmptyNestedObject_MaskHasTheKey()
    {
        var message = Ok<UpdateBookRequest>("PATCH", "/t/v1/shelves/s/books/b", "{\"author\": {}}");
        Assert.Equal(["author"], message.UpdateMask.Paths);
    }

    [Fact]
    public void Build_PatchWithMaskInQuery_MaskKept()
    {
        var message = Ok<UpdateBookRequest>("PATCH", "/t/v1/shelves/s/books/b?updateMask=title", "{\"title\": \"T\", \"pages\": 3}");
        Assert.Equal(["title"], message.UpdateMask.Paths);
    }

    [Fact]
    public void Build_PatchBodyStar_MaskFromTopLevelKeysUnlessBodySetsIt()
    {
        var filled = Ok<UpdateShelfRequest>("PATCH", "/t/v1/shelves/s1", "{\"theme\": \"sea\", \"labels\": {\"x\": \"y\"}, \"metadata\": {\"a\": {\"b\": 1}}, \"curator\": {\"address\": {\"country\": \"NO\"}}}");
        Assert.Equal(["theme", "labels", "metadata", "curator.address.country"], filled.Mask.Paths);
        Assert.Equal("s1", filled.ShelfId);
        var explicitMask = Ok<UpdateShelfRequest>("PATCH", "/t/v1/shelves/s1", "{\"theme\": \"sea\", \"mask\": \"labels\"}");
        Assert.Equal(["labels"], explicitMask.Mask.Paths);
    }

    [Fact]
    public void Build_PatchWithEmptyBody_NoMask()
    {
        Assert.Null(Ok<UpdateBookRequest>("PATCH", "/t/v1/shelves/s/books/b").UpdateMask);
        Assert.Null(Ok<UpdateBookRequest>("PATCH", "/t/v1/shelves/s/books/b", "{}").UpdateMask);
    }

    [Fact]
    public void Build_HttpBodyField_RawBytesAndContentTypeWithOtherFieldsFromPathAndQuery()
    {
        byte[] payload = [0, 1, 2, 0xFF, (byte)'{'];
        var (bytes, error) = RuleTestData.RequestBytes(Library, "PUT", "/t/v1/uploads/dir/a%20b.bin?overwrite=true", payload, "application/octet-stream");
        Assert.Null(error);
        var message = UploadFileRequest.Parser.ParseFrom(bytes);
        Assert.Equal("dir/a b.bin", message.Path);
        Assert.True(message.Overwrite);
        Assert.Equal("application/octet-stream", message.File.ContentType);
        Assert.Equal(payload, message.File.Data.ToByteArray());
    }

    [Fact]
    public void Build_HttpBodyInput_WholeRequestIsTheBody()
    {
        var big = new byte[70_000];
        new Random(5).NextBytes(big);
        var (bytes, error) = RuleTestData.RequestBytes(Library, "POST", "/t/v1/raw", big, "image/png");
        Assert.Null(error);
        var message = Google.Api.HttpBody.Parser.ParseFrom(bytes);
        Assert.Equal("image/png", message.ContentType);
        Assert.Equal(big, message.Data.ToByteArray());
    }

    [Fact]
    public void Build_HttpBodyWithoutContentTypeOrBytes_EmptyMessage()
    {
        var (bytes, error) = RuleTestData.RequestBytes(Library, "POST", "/t/v1/raw", [], null);
        Assert.Null(error);
        Assert.Empty(bytes);
    }

    [Fact]
    public void Build_PatchWithTwoFieldMasks_FillsNeither()
    {
        var table = SyntheticRules.Table(("Update", "UpdateWithTwoMasksRequest", new Google.Api.HttpRule { Patch = "/v1/{book.name}", Body = "book" }));
        var (message, error) = RuleTestData.Request<UpdateWithTwoMasksRequest>(table, "PATCH", "/v1/b1", "{\"title\": \"T\"}");
        Assert.Null(error);
        Assert.Equal(new UpdateWithTwoMasksRequest { Book = new Book { Name = "b1", Title = "T" } }, message);
    }

    [Fact]
    public void Build_NonPatchWithFieldMask_NotFilled()
    {
        var table = SyntheticRules.Table(("Update", "UpdateBookRequest", new Google.Api.HttpRule { Put = "/v1/{book.name}", Body = "book" }));
        var (message, error) = RuleTestData.Request<UpdateBookRequest>(table, "PUT", "/v1/b1", "{\"title\": \"T\"}");
        Assert.Null(error);
        Assert.Null(message!.UpdateMask);
    }

    [Fact]
    public void Build_QueryEveryIntegerKind_SameAsGoogleProtobufParser()
    {
        const string query = "fInt32=-2147483648&fUint32=4294967295&fSint32=-5&fSint64=-9223372036854775808&fFixed32=7&fFixed64=18446744073709551615"
            + "&fSfixed32=-9&fSfixed64=-10&fUint64=1e2&fInt64=7&fDouble=-1.5e3&fFloat=NaN&fBool=false&fBytes=AAE&fLevel=LEVEL_HIGH&rInt32=1&rInt32=0";
        var message = Ok<Everything>("GET", "/t/v1/everything/s/5/0?" + query);
        var expected = CodecTestData.Parser.Parse<Everything>(
            "{\"fString\": \"s\", \"fInt64\": \"5\", \"fUint64\": \"100\", \"fInt32\": -2147483648, \"fUint32\": 4294967295, \"fSint32\": -5, \"fSint64\": \"-9223372036854775808\","
            + "\"fFixed32\": 7, \"fFixed64\": \"18446744073709551615\", \"fSfixed32\": -9, \"fSfixed64\": \"-10\", \"fDouble\": -1500, \"fFloat\": \"NaN\","
            + "\"fBytes\": \"AAE=\", \"fLevel\": \"LEVEL_HIGH\", \"rInt32\": [1, 0]}");
        Assert.Equal(expected, message);
    }

    [Theory]
    [InlineData("fInt32=2147483648")]
    [InlineData("fUint32=-1")]
    [InlineData("fUint64=18446744073709551616")]
    [InlineData("fInt32=1.5")]
    [InlineData("fInt32=%20")]
    [InlineData("fLevel=LEVEL_NOPE")]
    public void Build_QueryIntegerOutOfRangeOrMalformed_BadRequest(string query) =>
        Assert.Equal(400, Fails("GET", "/t/v1/everything/s/5/0?" + query).HttpStatus);

    [Theory]
    [InlineData("fInt32=+7", 7)]
    [InlineData("fInt32=007", 7)]
    [InlineData("fInt32=7.0", 7)]
    public void Build_QueryNonCanonicalInteger_AsTheCodecReadsIt(string query, int expected)
    {
        var (message, error) = RuleTestData.Request<Everything>(Library, "GET", "/t/v1/everything/s/5/0?" + query);
        var codec = CodecTestData.ToBinary($"{{\"fInt32\": \"{query[7..]}\"}}", out var binary);
        Assert.Equal(codec.IsSuccess, error is null);
        if (error is null)
        {
            Assert.Equal(expected, message!.FInt32);
            Assert.Equal(Everything.Parser.ParseFrom(binary).FInt32, message.FInt32);
        }
    }
}
