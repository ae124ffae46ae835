namespace MeshProxy.Tests.Configuration.Validation;

public sealed class LocalHealthRouteValidatorTests
{
    [Theory]
    [InlineData("/grpc.health.v1.Health/*")]
    [InlineData("/grpc.health.v1.Health/Check")]
    public void Route_NamesHealthService_RefusedNotShadowed(string method)
    {
        var errors = ConfigAssert.Errors($$"""
            routes:
              - { name: health, match: { method: "{{method}}" }, cluster: c }
            clusters:
              c: { destinations: [ { address: "http://127.0.0.1:1" } ] }
            """);

        var error = Assert.Single(errors);
        Assert.Equal("routes[0].match.method", error.Path);
        Assert.Contains("answered by the sidecar itself", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Route_CatchAllPrefix_Accepted() => ConfigAssert.LoadValid("""
        routes:
          - { name: all, match: { prefix: / }, cluster: c }
        clusters:
          c: { destinations: [ { address: "http://127.0.0.1:1" } ] }
        """);
}
