using MeshProxy.TrafficPolicy;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;

namespace MeshProxy.Tests.TrafficPolicy;

public sealed class UpstreamUrisTests
{
    private const string Prefix = "http://127.0.0.1:5001";

    [Theory]
    [InlineData("/users.v1.UserService/GetUser")]
    [InlineData("/pkg.v1.Svc/Method With Space")]
    [InlineData("/pkg.v1.Svc/a?b")]
    [InlineData("/pkg.v1.Svc/%41")]
    public void For_AnyPath_IsWhatYarpWouldMake(string path)
    {
        var uri = new UpstreamUris(Prefix).For(new PathString(path), QueryString.Empty);

        var yarps = RequestUtilities.MakeDestinationAddress(Prefix, new PathString(path), QueryString.Empty);
        Assert.Equal(yarps.AbsoluteUri, uri.AbsoluteUri);
        Assert.Equal(yarps.PathAndQuery, uri.PathAndQuery);
    }

    [Fact]
    public void For_SamePathAgain_TheSameUri()
    {
        var uris = new UpstreamUris(Prefix);

        var first = uris.For(new PathString("/users.v1.UserService/GetUser"), QueryString.Empty);

        Assert.Same(first, uris.For(new PathString("/users.v1.UserService/GetUser"), QueryString.Empty));
        Assert.NotSame(first, uris.For(new PathString("/users.v1.UserService/ListUsers"), QueryString.Empty));
    }

    [Fact]
    public void For_WithAQuery_ANewUriCarryingIt()
    {
        var uris = new UpstreamUris(Prefix);
        var path = new PathString("/users.v1.UserService/GetUser");

        var first = uris.For(path, new QueryString("?a=1"));
        var second = uris.For(path, new QueryString("?a=2"));

        Assert.Equal("/users.v1.UserService/GetUser?a=1", first.PathAndQuery);
        Assert.Equal("/users.v1.UserService/GetUser?a=2", second.PathAndQuery);
        Assert.NotSame(uris.For(path, QueryString.Empty), uris.For(path, new QueryString("?a=1")));
    }

    [Fact]
    public void For_PastTheLimitOfPaths_StillRightButNotKept()
    {
        var uris = new UpstreamUris(Prefix);
        for (var i = 0; i < 2_000; i++)
        {
            uris.For(new PathString($"/pkg.v1.Svc/M{i}"), QueryString.Empty);
        }

        var late = new PathString("/pkg.v1.Svc/Late");
        var uri = uris.For(late, QueryString.Empty);

        Assert.Equal("/pkg.v1.Svc/Late", uri.PathAndQuery);
        Assert.NotSame(uri, uris.For(late, QueryString.Empty));
        Assert.Same(uris.For(new PathString("/pkg.v1.Svc/M0"), QueryString.Empty), uris.For(new PathString("/pkg.v1.Svc/M0"), QueryString.Empty));
    }
}
