using MeshProxy.Configuration;

namespace MeshProxy.Tests.Configuration;

public sealed class ConfigLoaderTests
{
    private const string Clusters = """
        clusters:
          c1:
            destinations: [ { address: "http://127.0.0.1:50051" } ]
          c2:
            destinations: [ { address: "http://127.0.0.1:50052", name: two } ]
        """;

    [Fact]
    public void Load_FullExample_FillsEveryField()
    {
        var result = ConfigLoader.Load("""
            version: "v-1"
            listeners:
              grpc: { address: 127.0.0.1, port: 0 }
              admin: { address: "::1", port: 19900 }
            routes:
              - name: r1
                match:
                  method: /users.v1.UserService/GetUser
                  headers:
                    - { name: x-tenant, exact: acme }
                    - { name: x-debug, present: false }
                backends:
                  - { cluster: c1, weight: 90 }
                  - { cluster: c2, weight: 10 }
                timeout: 1500ms
                streamIdleTimeout: 2m
            clusters:
              c1:
                destinations: [ { address: "http://127.0.0.1:50051" } ]
              c2:
                destinations: [ { address: "http://127.0.0.1:50052", name: two } ]
                connectTimeout: 1s
                loadBalancing: roundRobin
                http2: { connectionsPerDestination: single }
            """);

        Assert.True(result.Succeeded, string.Join('\n', result.Errors));
        var config = result.Config;
        Assert.Equal("v-1", config.Version);
        Assert.Equal(new ListenerConfig("127.0.0.1", 0), config.Listeners.Grpc);
        Assert.Equal(new ListenerConfig("0.0.0.0", 8080), config.Listeners.Rest);
        Assert.Equal(new ListenerConfig("::1", 19900), config.Listeners.Admin);
        var route = Assert.Single(config.Routes);
        Assert.Equal("/users.v1.UserService/GetUser", route.Match.Method);
        Assert.Equal(new HeaderMatchConfig("x-tenant", "acme", null, null, null), route.Match.Headers[0]);
        Assert.Equal(new HeaderMatchConfig("x-debug", null, null, null, false), route.Match.Headers[1]);
        Assert.Equal([new BackendConfig("c1", 90), new BackendConfig("c2", 10)], route.Backends);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), route.Timeout);
        Assert.Equal(TimeSpan.FromMinutes(2), route.StreamIdleTimeout);
        Assert.Equal("http://127.0.0.1:50051", config.Clusters[0].Destinations[0].Name);
        Assert.Equal("two", config.Clusters[1].Destinations[0].Name);
        Assert.Equal(TimeSpan.FromSeconds(1), config.Clusters[1].ConnectTimeout);
        Assert.Equal(ClusterConfig.DefaultConnectTimeout, config.Clusters[0].ConnectTimeout);
        Assert.False(config.Clusters[1].Http2.MultipleConnections);
        Assert.True(config.Clusters[0].Http2.MultipleConnections);
    }

    [Fact]
    public void Load_Http2Client_ReadPerCluster_DefaultIsTheProcessDefault()
    {
        var config = ConfigAssert.LoadValid("""
            routes:
              - { name: r, match: { prefix: / }, cluster: c1 }
            clusters:
              c1: { destinations: [ { address: "http://127.0.0.1:1" } ] }
              c2: { destinations: [ { address: "http://127.0.0.1:2" } ], http2: { client: sockets } }
              c3: { destinations: [ { address: "http://127.0.0.1:3" } ], http2: { client: lean, connectionsPerDestination: single } }
            """);

        Assert.Equal(Http2ClientKinds.ProcessDefault, config.Clusters[0].Http2.Client);
        Assert.Equal(Http2ClientKind.Sockets, config.Clusters[1].Http2.Client);
        Assert.Equal(new Http2Config(MultipleConnections: false, Http2ClientKind.Lean), config.Clusters[2].Http2);
    }

    [Fact]
    public void Load_Http2Client_UnsetOnATlsCluster_IsSockets()
    {
        var config = ConfigAssert.LoadValid("""
            listeners:
              grpc: { address: 127.0.0.1, port: 7070 }
            tls: { directory: /c }
            routes:
              - { name: r, match: { prefix: / }, cluster: c1 }
            clusters:
              c1: { destinations: [ { address: "https://users:7443" } ], tls: {} }
            """);

        Assert.Equal(Http2ClientKind.Sockets, config.Clusters[0].Http2.Client);
    }

    [Fact]
    public void Load_ClusterShorthand_IsOneBackendOfWeight100()
    {
        var config = ConfigAssert.LoadValid($$"""
            routes:
              - { name: r, match: { prefix: / }, cluster: c1 }
            {{Clusters}}
            """);

        Assert.Equal([new BackendConfig("c1", 100)], config.Routes[0].Backends);
        Assert.Equal(TimeSpan.Zero, config.Routes[0].Timeout);
        Assert.Equal(RouteConfig.DefaultStreamIdleTimeout, config.Routes[0].StreamIdleTimeout);
    }

    [Fact]
    public void Load_SameTextTwice_ConfigsAreEqual()
    {
        var yaml = $$"""
            routes:
              - { name: r, match: { method: /a.B/*, headers: [ { name: h, regex: x+ } ] }, backends: [ { cluster: c1, weight: 3 }, { cluster: c2, weight: 1 } ] }
            {{Clusters}}
            """;

        var first = ConfigAssert.LoadValid(yaml);
        var second = ConfigAssert.LoadValid(yaml);

        Assert.Equal(first, second);
        Assert.Equal(first.GetHashCode(), second.GetHashCode());
        Assert.Equal(first.Clusters[1], second.Clusters[1]);
        Assert.NotEqual(first.Clusters[0], second.Clusters[1]);
    }

    [Theory]
    [InlineData("routes:\n  - { name: r, match: { prefix: / }, cluster: c1, colour: red }", "routes[0].colour", "unknown key")]
    [InlineData("listeners:\n  grpc: { address: 127.0.0.1, port: 1, tls: true }", "listeners.grpc.tls", "unknown key")]
    [InlineData("listeners:\n  grpc: { port: high }", "listeners.grpc.port", "expected an integer")]
    [InlineData("routes: {}", "routes", "expected a list")]
    [InlineData("routes:\n  - { name: r, match: { prefix: / }, cluster: c1, timeout: 5 }", "routes[0].timeout", "expected a duration")]
    [InlineData("routes:\n  - { name: r, match: { prefix: /, headers: [ { name: h, present: yes } ] }, cluster: c1 }", "routes[0].match.headers[0].present", "expected true or false")]
    [InlineData("routes:\n  - { name: r, match: { prefix: / }, cluster: c1, backends: [ { cluster: c1 } ] }", "routes[0].cluster", "not both")]
    [InlineData("clusters:\n  c3: { destinations: [ { address: \"http://a:1\" } ], loadBalancing: random }", "clusters.c3.loadBalancing", "unknown policy")]
    [InlineData("clusters:\n  c3: { destinations: [ { address: \"http://a:1\" } ], http2: { connectionsPerDestination: many } }", "clusters.c3.http2.connectionsPerDestination", "expected 'single' or 'multiple'")]
    [InlineData("clusters:\n  c3: { destinations: [ { address: \"http://a:1\" } ], http2: { client: nghttp2 } }", "clusters.c3.http2.client", "expected 'sockets' or 'lean', found 'nghttp2'")]
    public void Load_StructuralError_NamesPath(string yaml, string path, string message) =>
        AssertError(yaml, path, message);

    [Theory]
    [InlineData("routes:\n  - { match: { prefix: / }, cluster: c1 }", "routes[0].name", "is required")]
    [InlineData("routes:\n  - { name: Users, match: { prefix: / }, cluster: c1 }", "routes[0].name", "may only contain")]
    [InlineData("routes:\n  - { name: r, match: { prefix: / }, cluster: c1 }\n  - { name: r, match: { prefix: /x }, cluster: c1 }", "routes[1].name", "already the name of routes[0]")]
    [InlineData("routes:\n  - { name: r, match: { }, cluster: c1 }", "routes[0].match", "one of 'method', 'prefix' or 'regex' is required")]
    [InlineData("routes:\n  - { name: r, match: { method: /a.B/C, prefix: /a }, cluster: c1 }", "routes[0].match", "exactly one of")]
    [InlineData("routes:\n  - { name: r, match: { method: a.B/C }, cluster: c1 }", "routes[0].match.method", "is not /package.Service/Method")]
    [InlineData("routes:\n  - { name: r, match: { method: /a.B/C/D }, cluster: c1 }", "routes[0].match.method", "is not /package.Service/Method")]
    [InlineData("routes:\n  - { name: r, match: { method: /a.B/ }, cluster: c1 }", "routes[0].match.method", "is not /package.Service/Method")]
    [InlineData("routes:\n  - { name: r, match: { method: /a..B/C }, cluster: c1 }", "routes[0].match.method", "is not /package.Service/Method")]
    [InlineData("routes:\n  - { name: r, match: { prefix: users }, cluster: c1 }", "routes[0].match.prefix", "must start with '/'")]
    [InlineData("routes:\n  - { name: r, match: { regex: '(' }, cluster: c1 }", "routes[0].match.regex", "invalid regular expression")]
    [InlineData("routes:\n  - { name: r, match: { prefix: /, headers: [ { name: h, regex: '[' } ] }, cluster: c1 }", "routes[0].match.headers[0].regex", "invalid regular expression")]
    [InlineData("routes:\n  - { name: r, match: { prefix: /, headers: [ { name: h } ] }, cluster: c1 }", "routes[0].match.headers[0]", "one of 'exact', 'prefix', 'regex' or 'present' is required")]
    [InlineData("routes:\n  - { name: r, match: { prefix: /, headers: [ { name: h, exact: a, prefix: b } ] }, cluster: c1 }", "routes[0].match.headers[0]", "exactly one of")]
    [InlineData("routes:\n  - { name: r, match: { prefix: /, headers: [ { exact: a } ] }, cluster: c1 }", "routes[0].match.headers[0].name", "is required")]
    [InlineData("routes:\n  - { name: r, match: { prefix: /, headers: [ { name: ':path', exact: a } ] }, cluster: c1 }", "routes[0].match.headers[0].name", "is not a header name")]
    [InlineData("routes:\n  - { name: r, match: { prefix: / } }", "routes[0]", "one of 'cluster' or 'backends' is required")]
    [InlineData("routes:\n  - { name: r, match: { prefix: / }, cluster: nope }", "routes[0].cluster", "unknown cluster 'nope'")]
    [InlineData("routes:\n  - { name: r, match: { prefix: / }, backends: [ { cluster: c1, weight: 1 }, { cluster: nope, weight: 1 } ] }", "routes[0].backends[1].cluster", "unknown cluster 'nope'")]
    [InlineData("routes:\n  - { name: r, match: { prefix: / }, backends: [ { cluster: c1, weight: -1 } ] }", "routes[0].backends[0].weight", "negative")]
    [InlineData("routes:\n  - { name: r, match: { prefix: / }, backends: [ { cluster: c1, weight: 0 }, { cluster: c2, weight: 0 } ] }", "routes[0].backends", "all weights are zero")]
    [InlineData("routes:\n  - { name: r, match: { prefix: / }, cluster: c1, timeout: -1s }", "routes[0].timeout", "must not be negative")]
    [InlineData("routes:\n  - { name: r, match: { prefix: / }, cluster: c1, streamIdleTimeout: -2m }", "routes[0].streamIdleTimeout", "must not be negative")]
    [InlineData("listeners:\n  grpc: { port: 70000 }", "listeners.grpc.port", "outside 0-65535")]
    [InlineData("listeners:\n  rest: { port: -1 }", "listeners.rest.port", "outside 0-65535")]
    [InlineData("listeners:\n  rest: { port: 7070 }", "listeners.rest.port", "already used by listeners.grpc")]
    [InlineData("listeners:\n  ops: { address: localhost }", "listeners.ops.address", "is not an IP address")]
    [InlineData("listeners:\n  admin: { address: 0.0.0.0 }", "listeners.admin.address", "not a loopback address")]
    [InlineData("clusters:\n  C3: { destinations: [ { address: \"http://a:1\" } ] }", "clusters.C3", "may only contain")]
    [InlineData("clusters:\n  c3: { destinations: [] }", "clusters.c3.destinations", "at least one destination")]
    [InlineData("clusters:\n  c3: { destinations: [ { address: \"https://a:1\" } ] }", "clusters.c3.destinations[0].address", "not an absolute http:// URI")]
    [InlineData("clusters:\n  c3: { destinations: [ { address: \"a:1\" } ] }", "clusters.c3.destinations[0].address", "not an absolute http:// URI")]
    [InlineData("clusters:\n  c3: { destinations: [ { address: \"http://a:1/base\" } ] }", "clusters.c3.destinations[0].address", "scheme://host:port only")]
    [InlineData("clusters:\n  c3: { destinations: [ { address: \"http://a:1\", name: x }, { address: \"http://b:1\", name: x } ] }", "clusters.c3.destinations[1].name", "already used")]
    [InlineData("clusters:\n  c3: { destinations: [ { address: \"http://a:1\" } ], connectTimeout: -5s }", "clusters.c3.connectTimeout", "must not be negative")]
    public void Load_RuleViolated_NamesPath(string yaml, string path, string message) =>
        AssertError(yaml, path, message);

    [Fact]
    public void Load_IdenticalMatches_ErrorNamesBothRoutes()
    {
        var errors = ConfigAssert.Errors($$"""
            routes:
              - { name: a, match: { method: /a.B/C, headers: [ { name: x, exact: "1" }, { name: y, present: true } ] }, cluster: c1 }
              - { name: b, match: { method: /a.B/C, headers: [ { name: Y, present: true }, { name: x, exact: "1" } ] }, cluster: c2 }
            {{Clusters}}
            """);

        var error = Assert.Single(errors);
        Assert.Equal("routes[1].match", error.Path);
        Assert.Contains("routes[0] ('a')", error.Message, StringComparison.Ordinal);
        Assert.Contains("'b'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ManyErrors_ReportsAllOfThem()
    {
        var errors = ConfigAssert.Errors("""
            listeners:
              admin: { address: 10.1.1.1, port: 99999 }
            routes:
              - { name: A, match: { method: nope }, cluster: x }
            extra: 1
            """);

        Assert.Equal(
            ["extra", "listeners.admin.address", "listeners.admin.port", "routes[0].cluster", "routes[0].match.method", "routes[0].name"],
            errors.Select(e => e.Path).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Load_InvalidYaml_ReportsLine()
    {
        var errors = ConfigAssert.Errors("routes:\n  - name: [unclosed\n");

        Assert.Contains("line", Assert.Single(errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_DuplicateKey_IsErrorWithLine() =>
        Assert.Contains("line 2", Assert.Single(ConfigAssert.Errors("version: a\nversion: b")).Message, StringComparison.Ordinal);


    private static void AssertError(string yaml, string path, string message)
    {
        // A valid remainder around the snippet, so the error under test is the only one.
        var full = yaml.StartsWith("clusters:", StringComparison.Ordinal)
            ? yaml + "\n" + Clusters["clusters:\n".Length..]
            : yaml + "\n" + Clusters;
        var errors = ConfigAssert.Errors(full);
        Assert.True(errors.Any(e => e.Path == path && e.Message.Contains(message, StringComparison.Ordinal)), $"expected '{path}: ...{message}...' in:\n{string.Join('\n', errors)}");
        Assert.True(errors.Count == 1, $"expected exactly one error:\n{string.Join('\n', errors)}");
    }
}
