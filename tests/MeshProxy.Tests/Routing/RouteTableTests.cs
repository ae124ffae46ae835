using MeshProxy.Tests.Configuration;
using MeshProxy.Configuration;
using MeshProxy.Routing;
using Microsoft.AspNetCore.Http;

namespace MeshProxy.Tests.Routing;

public sealed class RouteTableTests : IDisposable
{
    private readonly ProxySnapshotProvider _provider = new(new Random(1), TimeProvider.System, TimeSpan.FromSeconds(10));

    public void Dispose() => _provider.Dispose();

    [Fact]
    public void Match_Precedence_IsBySpecificityNotFileOrder()
    {
        var table = Build(
            ("regex", "regex: '/a\\.v.*'", ""),
            ("prefix-short", "prefix: /a.v1.", ""),
            ("prefix-long", "prefix: /a.v1.S", ""),
            ("service", "method: /a.v1.S/*", ""),
            ("exact", "method: /a.v1.S/Get", ""));

        Assert.Equal("exact", Match(table, "/a.v1.S/Get"));
        Assert.Equal("service", Match(table, "/a.v1.S/Getter"));
        Assert.Equal("prefix-long", Match(table, "/a.v1.S2/Get"));
        Assert.Equal("prefix-short", Match(table, "/a.v1.T/Get"));
        Assert.Equal("regex", Match(table, "/a.v2.S/Get"));
        Assert.Null(MatchOrNull(table, "/b.v1.S/Get"));
    }

    [Fact]
    public void Match_PrefixLength_LongerWins()
    {
        var table = Build(("short", "prefix: /a.", ""), ("long", "prefix: /a.b.", ""));

        Assert.Equal("long", Match(table, "/a.b.C/D"));
        Assert.Equal("short", Match(table, "/a.c.C/D"));
    }

    [Fact]
    public void Match_PrefixBeatsRegex_RegexesInFileOrder()
    {
        var table = Build(
            ("regex-1", "regex: '/x\\..*'", ""),
            ("regex-2", "regex: '/x\\.y/.*'", ""),
            ("prefix", "prefix: /x.z", ""));

        Assert.Equal("prefix", Match(table, "/x.z/M"));
        Assert.Equal("regex-1", Match(table, "/x.y/M"));
    }

    [Fact]
    public void Match_Regex_MustMatchWholePath()
    {
        var table = Build(("regex", "regex: 'S/Get'", ""));

        Assert.Null(MatchOrNull(table, "/p.S/Get"));
        Assert.Equal("regex", Match(Build(("regex", "regex: '.*S/Get'", "")), "/p.S/Get"));
    }

    [Fact]
    public void Match_IsCaseSensitive()
    {
        var table = Build(("exact", "method: /p.S/Get", ""), ("prefix", "prefix: /p.s", ""));

        Assert.Null(MatchOrNull(table, "/p.S/get"));
        Assert.Null(MatchOrNull(table, "/P.S/Get"));
        Assert.Equal("prefix", Match(table, "/p.s/Get"));
    }

    [Fact]
    public void Match_MoreHeaderMatchers_WinsWithinSameMethod()
    {
        var table = Build(
            ("one", "method: /p.S/M", "[ { name: a, exact: '1' } ]"),
            ("two", "method: /p.S/M", "[ { name: a, exact: '1' }, { name: b, present: true } ]"),
            ("none", "method: /p.S/*", ""));

        Assert.Equal("two", Match(table, "/p.S/M", ("a", "1"), ("b", "x")));
        Assert.Equal("one", Match(table, "/p.S/M", ("a", "1")));
        Assert.Equal("none", Match(table, "/p.S/M", ("a", "2")));
    }

    [Fact]
    public void Match_HeadersFailAtOneLevel_FallsToNextLevel()
    {
        var table = Build(
            ("exact-tenant", "method: /p.S/M", "[ { name: t, exact: acme } ]"),
            ("prefix", "prefix: /p.", ""));

        Assert.Equal("exact-tenant", Match(table, "/p.S/M", ("t", "acme")));
        Assert.Equal("prefix", Match(table, "/p.S/M"));
    }

    [Theory]
    [InlineData("exact: acme", "acme", true)]
    [InlineData("exact: acme", "Acme", false)]
    [InlineData("prefix: ac", "acme", true)]
    [InlineData("prefix: ac", "xacme", false)]
    [InlineData("regex: 'a[c]+me'", "accme", true)]
    [InlineData("regex: 'a[c]+me'", "accme-2", false)]
    [InlineData("present: true", "", true)]
    [InlineData("present: false", "", false)]
    [InlineData("exact: 'a,b'", "a|b", true)]
    public void HeaderMatcher_Condition_Evaluates(string condition, string value, bool expected)
    {
        var table = Build(("r", "prefix: /", $"[ {{ name: X-H, {condition} }} ]"));
        var headers = value.Split('|');

        var context = new DefaultHttpContext();
        context.Request.Headers["x-h"] = headers;

        Assert.Equal(expected, table.Match("/p.S/M", context.Request.Headers) is not null);
    }

    [Fact]
    public void HeaderMatcher_AbsentHeader_MatchesOnlyPresentFalse()
    {
        Assert.NotNull(Build(("r", "prefix: /", "[ { name: x, present: false } ]")).Match("/a.B/C", new HeaderDictionary()));
        Assert.Null(Build(("r", "prefix: /", "[ { name: x, present: true } ]")).Match("/a.B/C", new HeaderDictionary()));
        Assert.Null(Build(("r", "prefix: /", "[ { name: x, exact: '' } ]")).Match("/a.B/C", new HeaderDictionary()));
    }

    private RouteTable Build(params (string Name, string Match, string Headers)[] routes)
    {
        var lines = routes.Select(r =>
            $"  - {{ name: {r.Name}, match: {{ {r.Match}{(r.Headers.Length > 0 ? ", headers: " + r.Headers : string.Empty)} }}, cluster: c }}");
        var yaml = "routes:\n" + string.Join('\n', lines) + "\nclusters:\n  c: { destinations: [ { address: \"http://127.0.0.1:1\" } ] }\n";
        return _provider.Apply(ConfigAssert.LoadValid(yaml)).Routes;
    }

    private static string Match(RouteTable table, string path, params (string Name, string Value)[] headers) =>
        MatchOrNull(table, path, headers) ?? throw new Xunit.Sdk.XunitException($"no route for {path}");

    private static string? MatchOrNull(RouteTable table, string path, params (string Name, string Value)[] headers)
    {
        var dictionary = new HeaderDictionary();
        foreach (var (name, value) in headers)
        {
            dictionary[name] = value;
        }

        return table.Match(path, dictionary)?.Name;
    }
}
