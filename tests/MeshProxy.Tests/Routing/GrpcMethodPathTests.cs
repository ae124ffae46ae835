using MeshProxy.Routing;

namespace MeshProxy.Tests.Routing;

public sealed class GrpcMethodPathTests
{
    [Theory]
    [InlineData("/users.v1.UserService/GetUser", true)]
    [InlineData("/users.v1.UserService/*", true)]
    [InlineData("/Svc/M", true)]
    [InlineData("/_a.b_2/M_1", true)]
    [InlineData("users.v1.UserService/GetUser", false)]
    [InlineData("/users.v1.UserService", false)]
    [InlineData("/users.v1.UserService/", false)]
    [InlineData("/users.v1.UserService/Get/User", false)]
    [InlineData("/users..UserService/GetUser", false)]
    [InlineData("/users.v1.UserService/Get*", false)]
    [InlineData("/1users.S/M", false)]
    [InlineData("//M", false)]
    public void IsValidPattern_ChecksGrammar(string pattern, bool expected) =>
        Assert.Equal(expected, GrpcMethodPath.IsValidPattern(pattern));

    [Theory]
    [InlineData("/a.B/C", "/a.B/")]
    [InlineData("/a.B/", "/a.B/")]
    [InlineData("/a.B", "")]
    [InlineData("//C", "")]
    [InlineData("", "")]
    public void ServicePart_SlicesServiceWithSlashes(string path, string expected) =>
        Assert.Equal(expected, GrpcMethodPath.ServicePart(path).ToString());
}
