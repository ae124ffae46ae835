using Google.Api;
using MeshProxy.Transcoding.Rules;

namespace MeshProxy.Tests.Transcoding.Rules;

public sealed class HttpRuleTableMatchTests
{
    private static readonly Lazy<HttpRuleTable> LazyLibrary = new(() => RuleTestData.BuildOrThrow(
        new HttpRuleOptions { Services = ["meshproxy.testing.v1.LibraryService", "meshproxy.testing.v1.EverythingService"] }));

    private static HttpRuleTable Library => LazyLibrary.Value;

    [Fact]
    public void Match_TemplatesDeclaredLeastSpecificFirst_MostSpecificWins()
    {
        // Declared in reverse specificity order: file order must not matter.
        var table = SyntheticRules.Table(
            ("DoubleWild", "GetBookRequest", SyntheticRules.Get("/v1/{name=**}")),
            ("WildThenLiteral", "GetBookRequest", SyntheticRules.Get("/v1/{name=*}/b")),
            ("LiteralThenDoubleWild", "GetBookRequest", SyntheticRules.Get("/v1/{name=a/**}")),
            ("LiteralThenWild", "GetBookRequest", SyntheticRules.Get("/v1/a/{name}")),
            ("Literals", "GetBookRequest", SyntheticRules.Get("/v1/a/b")),
            ("Verb", "GetBookRequest", SyntheticRules.Get("/v1/a/{name}:go")));
        Assert.Equal("Literals", table.Match("GET", "/v1/a/b").Binding!.MethodName);
        Assert.Equal("LiteralThenWild", table.Match("GET", "/v1/a/c").Binding!.MethodName);
        Assert.Equal("Verb", table.Match("GET", "/v1/a/c:go").Binding!.MethodName);
        Assert.Equal("LiteralThenDoubleWild", table.Match("GET", "/v1/a/c/d").Binding!.MethodName);
        Assert.Equal("WildThenLiteral", table.Match("GET", "/v1/x/b").Binding!.MethodName);
        Assert.Equal("DoubleWild", table.Match("GET", "/v1/x/c").Binding!.MethodName);
        Assert.Equal("DoubleWild", table.Match("GET", "/v1/x").Binding!.MethodName);
    }

    [Fact]
    public void Match_PathMatchesOtherMethodsOnly_MethodNotAllowedWithSortedAllow()
    {
        var match = Library.Match("DELETE", "/t/v1/shelves/s1/books/b1");
        Assert.Equal(RuleMatchKind.MethodNotAllowed, match.Kind);
        Assert.Equal("GET, PATCH", match.Allow);
        Assert.Null(match.Binding);
        Assert.Empty(match.Variables);
    }

    [Theory]
    [InlineData("GET", "/t/v2/shelves/s1/books/b1")]
    [InlineData("GET", "/t/v1/shelves/s1/bookz")]
    [InlineData("GET", "/t/v1/shelves/s1/books/b1/extra")]
    [InlineData("GET", "/t/v1/shelves//books/b1")]
    [InlineData("GET", "/t/v1/shelves/s1/books/b1/")]
    [InlineData("GET", "t/v1/shelves/s1/books/b1")]
    [InlineData("GET", "")]
    [InlineData("POST", "/t/v1/books:nope")]
    public void Match_NoTemplateMatchesPath_NotFound(string method, string path) =>
        Assert.Equal(RuleMatchKind.NotFound, Library.Match(method, path).Kind);

    [Fact]
    public void Match_MethodsAreCaseSensitive()
    {
        Assert.Equal(RuleMatchKind.MethodNotAllowed, Library.Match("get", "/t/v1/shelves/s/books/b").Kind);
    }

    [Fact]
    public void Match_CustomMethod_MatchesOnlyThatMethod()
    {
        var match = Library.Match("OPTIONS", "/t/v1/access/doc1");
        Assert.Equal("CheckAccess", match.Binding!.MethodName);
        Assert.Equal("doc1", Assert.Single(match.Variables).Value);
        Assert.Equal("OPTIONS", Library.Match("GET", "/t/v1/access/doc1").Allow);
    }

    [Fact]
    public void Match_NestedFieldVariable_ResolvesFieldPath()
    {
        var match = Library.Match("PATCH", "/t/v1/shelves/s1/books/b1");
        Assert.Equal("UpdateBook", match.Binding!.MethodName);
        var variable = Assert.Single(match.Variables);
        Assert.Equal(["book", "name"], variable.FieldPath.Select(f => f.Name));
        Assert.Equal("shelves/s1/books/b1", variable.Value);
    }

    [Fact]
    public void Match_DoubleWildcardFollowedByLiteral_CapturesMiddle()
    {
        var match = Library.Match("GET", "/t/v1/files/a/b/c.txt/content");
        Assert.Equal("GetFile", match.Binding!.MethodName);
        Assert.Equal("a/b/c.txt", Assert.Single(match.Variables).Value);
        Assert.Equal("", Assert.Single(Library.Match("GET", "/t/v1/files/content").Variables).Value);
        Assert.Equal("Ping", Library.Match("GET", "/t/v1/ping/x/y/z/last").Binding!.MethodName);
        Assert.Equal(RuleMatchKind.NotFound, Library.Match("GET", "/t/v1/files/a/b").Kind);
    }

    [Fact]
    public void Match_WildcardsOutsideVariables_BindNothing()
    {
        var match = Library.Match("GET", "/t/v1/ping/anything/p1");
        Assert.Equal("Ping", match.Binding!.MethodName);
        Assert.Equal("p1", Assert.Single(match.Variables).Value);
    }

    [Fact]
    public void Match_DeclaredVerbAfterDoubleWildcardVariable_SplitsVerb()
    {
        var match = Library.Match("POST", "/t/v1/operations/a/b:cancel");
        Assert.Equal("CancelOperation", match.Binding!.MethodName);
        Assert.Equal("operations/a/b", Assert.Single(match.Variables).Value);
    }

    [Fact]
    public void Match_ColonWithoutDeclaredVerb_BelongsToSegment()
    {
        // No rule declares the verb "v2": the colon is part of the variable.
        var match = Library.Match("GET", "/t/v1/shelves/s1/books/b1:v2");
        Assert.Equal("GetBook", match.Binding!.MethodName);
        Assert.Equal("shelves/s1/books/b1:v2", Assert.Single(match.Variables).Value);
    }

    [Fact]
    public void Match_DeclaredVerbButNoTemplateWithIt_FallsBackToColonInSegment()
    {
        // "cancel" is declared (by CancelOperation), but no GET template has it: the colon stays in the segment.
        var match = Library.Match("GET", "/t/v1/access/x:cancel");
        Assert.Equal(RuleMatchKind.MethodNotAllowed, match.Kind);
        var withColon = Library.Match("OPTIONS", "/t/v1/access/x:cancel");
        Assert.Equal("x:cancel", Assert.Single(withColon.Variables).Value);
    }

    [Fact]
    public void Match_VerbOnlyRuleAndVariableRule_VerbWins()
    {
        var table = SyntheticRules.Table(
            ("Plain", "GetBookRequest", SyntheticRules.Get("/v1/{name}")),
            ("Custom", "GetBookRequest", SyntheticRules.Get("/v1/{name}:undelete")));
        Assert.Equal("Custom", table.Match("GET", "/v1/a:undelete").Binding!.MethodName);
        Assert.Equal("a", table.Match("GET", "/v1/a:undelete").Variables[0].Value);
        Assert.Equal("a:other", table.Match("GET", "/v1/a:other").Variables[0].Value);
        Assert.Equal("Plain", table.Match("GET", "/v1/a:other").Binding!.MethodName);
    }

    [Fact]
    public void Match_VerbReadingOnlyOtherMethod_PlainReadingMatchWins()
    {
        var table = SyntheticRules.Table(
            ("Get", "GetBookRequest", SyntheticRules.Get("/v1/{name}")),
            ("Cancel", "GetBookRequest", new HttpRule { Post = "/v1/{name}:cancel", Body = "*" }));
        var get = table.Match("GET", "/v1/a:cancel");
        Assert.Equal("Get", get.Binding!.MethodName);
        Assert.Equal("a:cancel", get.Variables[0].Value);
        Assert.Equal("Cancel", table.Match("POST", "/v1/a:cancel").Binding!.MethodName);
        Assert.Equal("GET", table.Match("PUT", "/v1/a:other").Allow);
        Assert.Equal("POST", table.Match("PUT", "/v1/a:cancel").Allow);
    }

    [Theory]
    [InlineData("/t/v1/access/a%2Fb", "a/b")]
    [InlineData("/t/v1/access/a%252Fb", "a%2Fb")]
    [InlineData("/t/v1/access/a+b", "a+b")]
    [InlineData("/t/v1/access/%E2%82%AC%20x", "€ x")]
    [InlineData("/t/v1/access/a%3Acancel", "a:cancel")]
    public void Match_SingleSegmentVariable_FullyDecoded(string path, string expected) =>
        Assert.Equal(expected, Assert.Single(Library.Match("OPTIONS", path).Variables).Value);

    [Theory]
    [InlineData("/t/v1/by-name/a%2Fb/c", "a%2Fb/c")]
    [InlineData("/t/v1/by-name/a%2fb", "a%2fb")]
    [InlineData("/t/v1/by-name/a%252Fb", "a%2Fb")]
    [InlineData("/t/v1/by-name/a+b%20c", "a+b c")]
    [InlineData("/t/v1/by-name/x%3Fy%23z%40", "x%3Fy%23z%40")]
    [InlineData("/t/v1/by-name/%C3%A9", "é")]
    public void Match_MultiSegmentVariable_KeepsReservedEncoded(string path, string expected) =>
        Assert.Equal(expected, Assert.Single(Library.Match("GET", path).Variables).Value);

    [Theory]
    [InlineData("/t/v1/access/a%2")]
    [InlineData("/t/v1/access/a%zz")]
    [InlineData("/t/v1/access/%FF")]
    public void Match_MalformedPercentEncoding_MatchesWithDecodeError(string path)
    {
        var match = Library.Match("OPTIONS", path);
        Assert.Equal(RuleMatchKind.Matched, match.Kind);
        Assert.StartsWith("path variable 'resource': ", Assert.Single(match.Variables).DecodeError, StringComparison.Ordinal);
    }

    [Fact]
    public void Match_ManySegments_DoesNotOverflow()
    {
        var path = "/t/v1/files/" + string.Join('/', Enumerable.Range(0, 100)) + "/content";
        Assert.Equal(string.Join('/', Enumerable.Range(0, 100)), Assert.Single(Library.Match("GET", path).Variables).Value);
    }

    [Fact]
    public void Match_EmptyTable_NotFound()
    {
        var table = HttpRuleTableBuilder.Build(CodecTestData.Pool, new HttpRuleOptions { Services = ["grpc.health.v1.Health"] }, out _);
        Assert.Equal(RuleMatchKind.NotFound, table.Match("GET", "/").Kind);
    }

    [Fact]
    public void Match_SameTemplateDifferentMethods_EachGetsItsBinding()
    {
        var table = SyntheticRules.Table(
            ("Get", "GetBookRequest", SyntheticRules.Get("/v1/{name}")),
            ("Delete", "GetBookRequest", new HttpRule { Delete = "/v1/{name}" }),
            ("Special", "GetBookRequest", new HttpRule { Delete = "/v1/special" }));
        Assert.Equal("Get", table.Match("GET", "/v1/x").Binding!.MethodName);
        Assert.Equal("Delete", table.Match("DELETE", "/v1/x").Binding!.MethodName);
        Assert.Equal("Special", table.Match("DELETE", "/v1/special").Binding!.MethodName);
        Assert.Equal("Get", table.Match("GET", "/v1/special").Binding!.MethodName);
        Assert.Equal("DELETE, GET", table.Match("PUT", "/v1/special").Allow);
    }

    [Fact]
    public void Match_OneSegmentVerbTemplate_MatchesAndUnknownFirstSegmentIsNotFound()
    {
        var table = SyntheticRules.Table(
            ("Batch", "GetBookRequest", new HttpRule { Post = "/v1:batch", Body = "*" }),
            ("Get", "GetBookRequest", SyntheticRules.Get("/v1/{name}")));
        Assert.Equal("Batch", table.Match("POST", "/v1:batch").Binding!.MethodName);
        Assert.Equal(RuleMatchKind.NotFound, table.Match("POST", "/v2:batch").Kind);
        Assert.Equal(RuleMatchKind.NotFound, table.Match("GET", "/other/x").Kind);
        Assert.Equal(RuleMatchKind.NotFound, table.Match("GET", "/").Kind);
    }

    // grpc-gateway's mux tests route a GET "/" and Envoy's path matcher accepts the template "/"; we refused to load it.
    [Fact]
    public void Match_RootTemplate_MatchesTheRootPathOnly()
    {
        var table = SyntheticRules.Table(
            ("Index", "GetBookRequest", SyntheticRules.Get("/")),
            ("Get", "GetBookRequest", SyntheticRules.Get("/v1/{name}")));
        Assert.Equal("Index", table.Match("GET", "/").Binding!.MethodName);
        Assert.Equal("Get", table.Match("GET", "/v1/x").Binding!.MethodName);
        Assert.Equal(RuleMatchKind.NotFound, table.Match("GET", "//").Kind);
        Assert.Equal(RuleMatchKind.NotFound, table.Match("GET", "/v1").Kind);
        Assert.Equal("GET", table.Match("POST", "/").Allow);
    }

    [Fact]
    public void Match_LeadingDoubleWildcard_StillMatchesTheRootPath()
    {
        var table = SyntheticRules.Table(("Files", "GetFileRequest", SyntheticRules.Get("/{path=**}")));
        var match = table.Match("GET", "/");
        Assert.Equal(RuleMatchKind.Matched, match.Kind);
        Assert.Equal(string.Empty, Assert.Single(match.Variables).Value);
    }

    [Fact]
    public void Match_TemplateStartingWithVariable_AnyFirstSegmentConsidered()
    {
        var table = SyntheticRules.Table(
            ("Any", "GetBookRequest", SyntheticRules.Get("/{name}/info")),
            ("Literal", "GetBookRequest", SyntheticRules.Get("/v1/info")));
        Assert.Equal("Any", table.Match("GET", "/zzz/info").Binding!.MethodName);
        Assert.Equal("Literal", table.Match("GET", "/v1/info").Binding!.MethodName);
        Assert.Equal("zzz", table.Match("GET", "/zzz/info").Variables[0].Value);
    }
}
