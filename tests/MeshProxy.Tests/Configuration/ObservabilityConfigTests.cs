using MeshProxy.Configuration;

namespace MeshProxy.Tests.Configuration;

public sealed class ObservabilityConfigTests
{
    private const string Routes = """
        routes:
          - { name: a, match: { prefix: / }, cluster: c }
        clusters:
          c: { destinations: [ { address: "http://127.0.0.1:1" } ] }
        """;

    [Fact]
    public void Sections_Absent_Defaults()
    {
        var config = ConfigAssert.LoadValid(Routes);

        Assert.Equal(new AccessLogConfig(false, 1.0, "stdout"), config.AccessLog);
        Assert.Equal(new TracingConfig(null, 1.0, OtlpProtocol.Grpc), config.Tracing);
    }

    [Fact]
    public void Sections_Given_Read()
    {
        var config = ConfigAssert.LoadValid(Routes + """

            accessLog: { enabled: true, sampleRate: 0.25, path: /var/log/meshproxy/access.log }
            tracing: { otlpEndpoint: "http://127.0.0.1:4318", sampleRate: 0.5, protocol: http/protobuf }
            """);

        Assert.Equal(new AccessLogConfig(true, 0.25, "/var/log/meshproxy/access.log"), config.AccessLog);
        Assert.Equal(new TracingConfig("http://127.0.0.1:4318", 0.5, OtlpProtocol.HttpProtobuf), config.Tracing);
    }

    [Fact]
    public void Sections_Invalid_EveryErrorWithItsPath()
    {
        var errors = ConfigAssert.Errors(Routes + """

            accessLog: { enabled: maybe, sampleRate: 2, path: "", format: json }
            tracing: { otlpEndpoint: "127.0.0.1:4317", sampleRate: -1, protocol: thrift }
            """);

        Assert.Equal(
            ["accessLog.enabled", "accessLog.format", "accessLog.path", "accessLog.sampleRate", "tracing.otlpEndpoint", "tracing.protocol", "tracing.sampleRate"],
            errors.Select(e => e.Path).Order(StringComparer.Ordinal));
    }
}
