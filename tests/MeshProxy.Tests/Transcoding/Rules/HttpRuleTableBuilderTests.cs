using Google.Api;
using MeshProxy.Transcoding.Rules;

namespace MeshProxy.Tests.Transcoding.Rules;

public sealed class HttpRuleTableBuilderTests
{
    [Fact]
    public void Build_WholeDescriptorSet_HasNoErrorsAndEveryBindingKind()
    {
        var table = HttpRuleTableBuilder.Build(CodecTestData.Pool, HttpRuleOptions.Default, out var errors);
        Assert.Empty(errors);
        var getBook = table.Bindings.Where(b => b.MethodName == "GetBook").ToList();
        Assert.Equal(["/t/v1/{name=shelves/*/books/*}", "/t/v1/by-name/{name=**}"], getBook.Select(b => b.Template));
        Assert.Equal([0, 1], getBook.Select(b => b.BindingIndex));
        Assert.Equal("Reads one book. Nested resource names, one additional binding with a `**` variable.", getBook[0].Description);
        var check = Assert.Single(table.Bindings, b => b.MethodName == "CheckAccess");
        Assert.Equal("OPTIONS", check.HttpMethod);
        var search = Assert.Single(table.Bindings, b => b.MethodName == "SearchBooks");
        Assert.Equal("books", Assert.Single(search.ResponseBodyField!).Name);
        Assert.False(search.HasBody);
        var cancel = Assert.Single(table.Bindings, b => b.MethodName == "CancelOperation");
        Assert.True(cancel.HasBody);
        Assert.Null(cancel.BodyField);
        Assert.Contains(table.Bindings, b => b.ServiceName == "users.v1.UserService");
        Assert.DoesNotContain(table.Bindings, b => b.ServiceName == "grpc.health.v1.Health");
    }

    [Fact]
    public void Build_ServicesOption_OnlyThoseServicesAndUnknownNameIsAnError()
    {
        var table = HttpRuleTableBuilder.Build(
            CodecTestData.Pool, new HttpRuleOptions { Services = ["inventory.v1.InventoryService", "no.such.Service"] }, out var errors);
        Assert.Equal(["no.such.Service: no such service in the descriptor set"], errors);
        Assert.All(table.Bindings, b => Assert.Equal("inventory.v1.InventoryService", b.ServiceName));
        Assert.NotEmpty(table.Bindings);
    }

    [Fact]
    public void Build_UnannotatedMethods_PostToGrpcPathWithWholeBody()
    {
        var options = new HttpRuleOptions { Services = ["grpc.health.v1.Health"], UnannotatedMethods = true };
        var table = HttpRuleTableBuilder.Build(CodecTestData.Pool, options, out var errors);
        Assert.Empty(errors);
        var check = Assert.Single(table.Bindings, b => b.MethodName == "Check");
        Assert.Equal(("POST", "/grpc.health.v1.Health/Check", true, null), (check.HttpMethod, check.Template, check.HasBody, check.BodyField));
        Assert.Equal(RuleMatchKind.Matched, table.Match("POST", "/grpc.health.v1.Health/Check").Kind);
        Assert.Empty(HttpRuleTableBuilder.Build(CodecTestData.Pool, options with { UnannotatedMethods = false }, out _).Bindings);
    }

    public static TheoryData<HttpRule, string, string> BrokenRules => new()
    {
        { new HttpRule { Get = "/v1/{name" }, "GetBookRequest", "synthetic.Svc.M: GET /v1/{name: invalid path template \"/v1/{name\": variable 'name' opened at 4 is not closed" },
        { new HttpRule { Get = "/v1/{nope}" }, "GetBookRequest", "synthetic.Svc.M: GET /v1/{nope}: variable 'nope': meshproxy.testing.v1.GetBookRequest has no field 'nope'" },
        { new HttpRule { Get = "/v1/{tags}" }, "SearchBooksRequest", "synthetic.Svc.M: GET /v1/{tags}: variable 'tags': field 'tags' is repeated; a path variable binds one value" },
        { new HttpRule { Get = "/v1/{labels}" }, "SearchBooksRequest", "synthetic.Svc.M: GET /v1/{labels}: variable 'labels': field 'labels' is a map; a path variable binds one value" },
        { new HttpRule { Get = "/v1/{shelf}" }, "SearchBooksRequest", "synthetic.Svc.M: GET /v1/{shelf}: variable 'shelf': field 'shelf' is a message (meshproxy.testing.v1.Shelf); a path variable binds a scalar" },
        { new HttpRule { Get = "/v1/{query.x}" }, "SearchBooksRequest", "synthetic.Svc.M: GET /v1/{query.x}: variable 'query.x': 'query' of meshproxy.testing.v1.SearchBooksRequest is not a singular message field, so 'query.x' cannot go through it" },
        { new HttpRule { Get = "/v1/{shelf.nope}" }, "SearchBooksRequest", "synthetic.Svc.M: GET /v1/{shelf.nope}: variable 'shelf.nope': meshproxy.testing.v1.Shelf has no field 'nope'" },
        { new HttpRule { Get = "/v1/{pageSize}" }, "SearchBooksRequest", "synthetic.Svc.M: GET /v1/{pageSize}: variable 'pageSize': meshproxy.testing.v1.SearchBooksRequest has no field 'pageSize'" },
        { new HttpRule { Post = "/v1/x", Body = "nope" }, "CreateBookRequest", "synthetic.Svc.M: POST /v1/x: body 'nope': meshproxy.testing.v1.CreateBookRequest has no field 'nope'" },
        { new HttpRule { Post = "/v1/x", Body = "*", ResponseBody = "nope" }, "CreateBookRequest", "synthetic.Svc.M: POST /v1/x: response_body 'nope': meshproxy.testing.v1.Book has no field 'nope'" },
        { new HttpRule { Body = "*" }, "CreateBookRequest", "synthetic.Svc.M: the rule sets no pattern (get, put, post, delete, patch or custom)" },
        { new HttpRule { Custom = new CustomHttpPattern { Kind = "", Path = "/v1/x" } }, "CreateBookRequest", "synthetic.Svc.M: custom kind \"\" is not an HTTP method token" },
        { new HttpRule { Custom = new CustomHttpPattern { Kind = "BAD KIND", Path = "/v1/x" } }, "CreateBookRequest", "synthetic.Svc.M: custom kind \"BAD KIND\" is not an HTTP method token" },
        { new HttpRule { Get = "/v1/x", AdditionalBindings = { new HttpRule { Get = "/v1/y", AdditionalBindings = { new HttpRule { Get = "/v1/z" } } } } }, "GetBookRequest", "synthetic.Svc.M: additional binding 1 has additional_bindings of its own (only one level is allowed)" },
        { new HttpRule { Get = "/v1/x", AdditionalBindings = { new HttpRule { Get = "/v1/{q}" } } }, "GetBookRequest", "synthetic.Svc.M (additional binding 1): GET /v1/{q}: variable 'q': meshproxy.testing.v1.GetBookRequest has no field 'q'" },
    };

    [Theory]
    [MemberData(nameof(BrokenRules))]
    public void Build_BrokenRule_ReportsErrorNamingMethod(HttpRule rule, string input, string expected)
    {
        var table = SyntheticRules.Table(out var errors, ("M", input, rule), ("Fine", "GetBookRequest", SyntheticRules.Get("/fine/{name}")));
        Assert.Equal([expected], errors);
        Assert.Contains(table.Bindings, b => b.MethodName == "Fine");
    }

    [Fact]
    public void Build_EquivalentTemplatesSameMethod_ErrorNamesBothMethods()
    {
        SyntheticRules.Table(
            out var errors,
            ("GetBook", "GetBookRequest", SyntheticRules.Get("/v1/books/{name}")),
            ("FindBook", "SearchBooksRequest", SyntheticRules.Get("/v1/books/{query}")),
            ("DeleteBook", "GetBookRequest", new HttpRule { Delete = "/v1/books/{name}" }),
            ("Verb", "GetBookRequest", SyntheticRules.Get("/v1/books/{name}:x")),
            ("Deep", "GetBookRequest", SyntheticRules.Get("/v1/{name=books/*}")));
        Assert.Equal(
            [
                "synthetic.Svc.FindBook: GET /v1/books/{query} duplicates synthetic.Svc.GetBook",
                "synthetic.Svc.Deep: GET /v1/{name=books/*} duplicates synthetic.Svc.GetBook",
            ],
            errors);
    }

    [Fact]
    public void Build_NestedFieldBodyAndResponseBody_Resolve()
    {
        var table = SyntheticRules.Table(("M", "UpdateBookRequest", new HttpRule { Put = "/v1/{book.author.name}", Body = "book.author", ResponseBody = "author.address" }));
        var binding = Assert.Single(table.Bindings);
        Assert.Equal(["book", "author"], binding.BodyField!.Select(f => f.Name));
        Assert.Equal(["author", "address"], binding.ResponseBodyField!.Select(f => f.Name));
    }
}
