using MeshProxy.Configuration;
using MeshProxy.Security.Authorization;

namespace MeshProxy.Tests.Security.Authorization;

public sealed class SpiffeIdPatternTests
{
    private const string Web = "spiffe://example.org/ns/shop/sa/web";

    [Theory]
    [InlineData(Web, true)]
    [InlineData("spiffe://example.org/ns/shop/sa/web2", false)]
    [InlineData("spiffe://example.org/ns/shop/sa", false)]
    [InlineData("spiffe://other.org/ns/shop/sa/web", false)]
    public void Exact_Id_MatchesOnlyThatId(string id, bool expected) =>
        Assert.Equal(expected, new SpiffeIdPattern(new PrincipalMatchConfig(Web, null, null)).IsMatch(id));

    [Theory]
    [InlineData(Web, true)]
    [InlineData("spiffe://example.org/ns/shop/sa/api", true)]
    [InlineData("spiffe://example.org/ns/shopping/sa/web", false)]
    [InlineData("spiffe://example.org/ns/other/sa/web", false)]
    public void Prefix_NamespacePrefix_MatchesEveryWorkloadOfIt(string id, bool expected) =>
        Assert.Equal(expected, new SpiffeIdPattern(new PrincipalMatchConfig(null, "spiffe://example.org/ns/shop/", null)).IsMatch(id));

    [Theory]
    [InlineData("spiffe://example.org/ns/*/sa/web", Web, true)]
    [InlineData("spiffe://example.org/ns/*/sa/web", "spiffe://example.org/ns/billing/sa/web", true)]
    [InlineData("spiffe://example.org/ns/*/sa/web", "spiffe://example.org/ns/shop/sa/api", false)]
    [InlineData("spiffe://example.org/ns/*/sa/web", "spiffe://example.org/ns/a/b/sa/web", false)]
    [InlineData("spiffe://example.org/ns/*/sa/web", "spiffe://example.org/ns/shop/sa/web/extra", false)]
    [InlineData("spiffe://example.org/ns/shop/sa/*", Web, true)]
    [InlineData("spiffe://example.org/ns/shop/sa/*", "spiffe://example.org/ns/shop/sa", false)]
    [InlineData("spiffe://*/ns/shop/sa/web", "spiffe://other.org/ns/shop/sa/web", true)]
    [InlineData("spiffe://*/ns/shop/sa/web", "spiffe://other.org/ns/shop/sa/api", false)]
    [InlineData("*", Web, true)]
    public void Glob_StarSegment_MatchesExactlyOneSegment(string glob, string id, bool expected) =>
        Assert.Equal(expected, new SpiffeIdPattern(new PrincipalMatchConfig(null, null, glob)).IsMatch(id));

    [Theory]
    [InlineData("*", true)]
    [InlineData("spiffe://example.org/ns/*/sa/web", true)]
    [InlineData("spiffe://*/ns/a", true)]
    [InlineData("spiffe://example.org/ns/sh*p/sa/web", false)]
    [InlineData("spiffe://example.org/ns//sa/web", false)]
    [InlineData("http://example.org/ns/*", false)]
    [InlineData("spiffe://Example.org/ns/*", false)]
    public void IsValidGlob_Patterns_WholeStarSegmentsOnly(string glob, bool expected) =>
        Assert.Equal(expected, SpiffeIdPattern.IsValidGlob(glob));
}
