using MeshProxy.Cli;

namespace MeshProxy.Tests.Cli;

public sealed class DemoCallsTests
{
    [Fact]
    public void CommandPrefix_UnderDotnet_RunsTheDll()
    {
        Assert.Equal("dotnet /opt/mesh/meshproxy.dll", DemoCalls.CommandPrefix("/usr/share/dotnet/dotnet", "/opt/mesh/meshproxy.dll"));
    }

    [Fact]
    public void CommandPrefix_Apphost_IsItsPathQuotedWhenNeeded()
    {
        Assert.Equal("/opt/mesh/meshproxy", DemoCalls.CommandPrefix("/opt/mesh/meshproxy", "/opt/mesh/meshproxy.dll"));
        Assert.Equal("'/home/a b/meshproxy'", DemoCalls.CommandPrefix("/home/a b/meshproxy", "/home/a b/meshproxy.dll"));
    }

    [Theory]
    [InlineData("users.v1.UserService/GetUser", "users.v1.UserService/GetUser")]
    [InlineData("x-canary: true", "'x-canary: true'")]
    [InlineData("""{"userId":"u-1001"}""", """'{"userId":"u-1001"}'""")]
    [InlineData("it's", """'it'\''s'""")]
    [InlineData("", "''")]
    public void Quote_ShellSpecialWords_AreSingleQuoted(string word, string expected) =>
        Assert.Equal(expected, DemoCalls.Quote(word));

    [Fact]
    public void Format_PutsAddressThenMethodThenOptions()
    {
        var call = DemoCalls.All[1];

        Assert.Equal(
            """meshproxy call 127.0.0.1:7070 users.v1.UserService/GetUser -v -H 'x-canary: true' -d '{"userId":"u-1001"}'""",
            DemoCalls.Format(call, "meshproxy", "127.0.0.1:7070"));
    }
}
