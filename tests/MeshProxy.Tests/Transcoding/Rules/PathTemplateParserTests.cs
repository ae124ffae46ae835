using MeshProxy.Transcoding.Rules;

namespace MeshProxy.Tests.Transcoding.Rules;

public sealed class PathTemplateParserTests
{
    [Theory]
    [InlineData("/v1/users", "/v1/users", null)]
    [InlineData("/v1/users/{id}", "/v1/users/*", null)]
    [InlineData("/v1/{name=shelves/*/books/*}", "/v1/shelves/*/books/*", null)]
    [InlineData("/v1/{name=**}", "/v1/**", null)]
    [InlineData("/v1/*/x/**", "/v1/*/x/**", null)]
    [InlineData("/v1/**/tail", "/v1/**/tail", null)]
    [InlineData("/v1/{name=files/**}/content:download", "/v1/files/**/content:download", "download")]
    [InlineData("/v1/{book.shelf.id}/x", "/v1/*/x", null)]
    [InlineData("/v1/users:sync", "/v1/users:sync", "sync")]
    [InlineData("/v1/a-b.c~d_e%20f/{x}:do", "/v1/a-b.c~d_e%20f/*:do", "do")]
    [InlineData("/users.v1.UserService/GetUser", "/users.v1.UserService/GetUser", null)]
    [InlineData("/", "/", null)] // the root template, which Envoy and grpc-gateway load (issue 12)
    public void TryParse_ValidTemplate_Parses(string text, string normalized, string? verb)
    {
        Assert.True(PathTemplateParser.TryParse(text, out var template, out var error), error);
        Assert.Equal(normalized, template.NormalizedKey);
        Assert.Equal(verb, template.Verb);
        Assert.Equal(text, template.Text);
    }

    [Fact]
    public void TryParse_Variables_RecordFieldPathSpanAndKind()
    {
        Assert.True(PathTemplateParser.TryParse("/v1/{a.b}/{c=x/*}/{d=**}", out var template, out _));
        Assert.Collection(
            template.Variables,
            v => Assert.Equal(("a.b", 1, 2, false), (v.FieldPathText, v.Start, v.End, v.IsMultiSegment)),
            v => Assert.Equal(("c", 2, 4, true), (v.FieldPathText, v.Start, v.End, v.IsMultiSegment)),
            v => Assert.Equal(("d", 4, 5, true), (v.FieldPathText, v.Start, v.End, v.IsMultiSegment)));
    }

    [Theory]
    [InlineData("", "it must start with '/'")]
    [InlineData("v1/users", "it must start with '/'")]
    [InlineData("/v1/", "a segment is missing")]
    [InlineData("/v1//users", "unexpected '/'")]
    [InlineData("/v1/{id", "not closed")]
    [InlineData("/v1/{}", "expected a field name")]
    [InlineData("/v1/{1id}", "expected a field name")]
    [InlineData("/v1/{a.}", "expected a field name")]
    [InlineData("/v1/{a={b}}", "nested variable")]
    [InlineData("/v1/{a}/{a}", "bound twice")]
    [InlineData("/v1/**/*", "follows '**'")]
    [InlineData("/v1/**/**", "follows '**'")]
    [InlineData("/v1/{a=**}/{b}", "follows '**'")]
    [InlineData("/v1/***", "'***'")]
    [InlineData("/v1/a*", "unexpected '*'")]
    [InlineData("/v1/x:", "bad verb")]
    [InlineData("/v1/x:a/b", "unexpected '/'")]
    [InlineData("/v1/x:a:b", "unexpected ':'")]
    [InlineData("/v1/%zz", "bad percent-encoding")]
    [InlineData("/v1/a b", "unexpected ' '")]
    [InlineData("/v1/a?b", "unexpected '?'")]
    [InlineData("/v1/{a=}", "unexpected '}'")]
    [InlineData("/v1/}", "unexpected '}'")]
    public void TryParse_BrokenTemplate_ReportsWhy(string text, string reason)
    {
        Assert.False(PathTemplateParser.TryParse(text, out _, out var error));
        Assert.StartsWith($"invalid path template \"{text}\": ", error, StringComparison.Ordinal);
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }
}
