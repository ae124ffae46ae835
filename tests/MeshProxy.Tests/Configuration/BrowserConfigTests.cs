using MeshProxy.Configuration;

namespace MeshProxy.Tests.Configuration;

public sealed class BrowserConfigTests
{
    private const string Rest = """
        routes:
          - name: r1
            match: { prefix: / }
            cluster: c1
        clusters:
          c1:
            destinations: [ { address: "http://127.0.0.1:50051" } ]
        """;

    [Fact]
    public void Load_NoBrowserSection_Null()
    {
        Assert.Null(ConfigAssert.LoadValid(Rest).Browser);
    }

    [Fact]
    public void Load_EmptySection_BothProtocolsOnNoCors()
    {
        var browser = ConfigAssert.LoadValid("browser: {}\n" + Rest).Browser;

        Assert.NotNull(browser);
        Assert.True(browser.GrpcWeb);
        Assert.True(browser.Connect);
        Assert.Equal(4 * 1024 * 1024, browser.MaxRequestBodyBytes);
        Assert.Null(browser.Cors);
    }

    [Fact]
    public void Load_FullCors_ReadsEveryKey()
    {
        var browser = ConfigAssert.LoadValid("""
            browser:
              grpcWeb: false
              connect: true
              maxRequestBodyBytes: 1024
              cors:
                allowedOrigins: ["https://app.example.com", "http://localhost:5173"]
                allowedHeaders: [x-tenant, authorization]
                exposedHeaders: [x-backend-version]
                maxAge: 1h
                allowCredentials: true
            """ + "\n" + Rest).Browser!;

        Assert.False(browser.GrpcWeb);
        Assert.Equal(1024, browser.MaxRequestBodyBytes);
        Assert.Equal(["https://app.example.com", "http://localhost:5173"], browser.Cors!.AllowedOrigins);
        Assert.Equal(["x-tenant", "authorization"], browser.Cors.AllowedHeaders);
        Assert.Equal(["x-backend-version"], browser.Cors.ExposedHeaders);
        Assert.Equal(TimeSpan.FromHours(1), browser.Cors.MaxAge);
        Assert.True(browser.Cors.AllowCredentials);
    }

    [Theory]
    [InlineData("browser: { maxRequestBodyBytes: 0 }", "browser.maxRequestBodyBytes", "above 0")]
    [InlineData("browser: { grpcweb: true }", "browser.grpcweb", "")]
    [InlineData("browser: { cors: {} }", "browser.cors.allowedOrigins", "at least one origin")]
    [InlineData("browser: { cors: { allowedOrigins: [\"https://app.example.com/\"] } }", "browser.cors.allowedOrigins[0]", "expected 'https://app.example.com'")]
    [InlineData("browser: { cors: { allowedOrigins: [\"https://App.example.com\"] } }", "browser.cors.allowedOrigins[0]", "lower-case")]
    [InlineData("browser: { cors: { allowedOrigins: [\"https://app.example.com:443\"] } }", "browser.cors.allowedOrigins[0]", "no default port")]
    [InlineData("browser: { cors: { allowedOrigins: [\"app.example.com\"] } }", "browser.cors.allowedOrigins[0]", "scheme://host")]
    [InlineData("browser: { cors: { allowedOrigins: [\"ftp://app.example.com\"] } }", "browser.cors.allowedOrigins[0]", "http or https")]
    [InlineData("browser: { cors: { allowedOrigins: [\"*\"], allowCredentials: true } }", "browser.cors.allowCredentials", "wildcard")]
    [InlineData("browser: { cors: { allowedOrigins: [\"*\"], allowedHeaders: [\"x tenant\"] } }", "browser.cors.allowedHeaders[0]", "HTTP token")]
    [InlineData("browser: { cors: { allowedOrigins: [\"*\"], exposedHeaders: [\"grpc status\"] } }", "browser.cors.exposedHeaders[0]", "HTTP token")]
    [InlineData("browser: { cors: { allowedOrigins: [\"*\"], maxAge: 25h } }", "browser.cors.maxAge", "24h")]
    [InlineData("browser: { cors: { allowedOrigins: [\"*\"], maxAge: soon } }", "browser.cors.maxAge", "duration")]
    [InlineData("browser: { cors: { origins: [\"*\"] } }", "browser.cors.origins", "")]
    [InlineData("browser: { cors: { allowedOrigins: [\"\"] } }", "browser.cors.allowedOrigins[0]", "non-empty")]
    public void Load_BadBrowserSection_ErrorNamesThePath(string browser, string path, string message)
    {
        var errors = ConfigAssert.Errors(browser + "\n" + Rest);

        Assert.Contains(errors, e => e.Path == path && e.Message.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void Load_WildcardOriginAndHeaders_Valid()
    {
        var cors = ConfigAssert.LoadValid("browser: { cors: { allowedOrigins: [\"*\"], allowedHeaders: [\"*\"] } }\n" + Rest).Browser!.Cors!;

        Assert.Equal(["*"], cors.AllowedOrigins);
        Assert.Equal(["*"], cors.AllowedHeaders);
    }
}
