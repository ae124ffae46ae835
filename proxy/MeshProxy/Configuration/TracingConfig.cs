namespace MeshProxy.Configuration;

/// <summary>
/// Tracing (<c>tracing:</c>). W3C traceparent and tracestate are always accepted and passed on; with an OTLP endpoint
/// the sidecar also records a span per call and per upstream attempt and exports them.
/// </summary>
/// <param name="OtlpEndpoint">The collector, e.g. http://127.0.0.1:4317; null (the default) records and exports nothing.</param>
/// <param name="SampleRate">
/// The fraction of new traces recorded, from 0 to 1 (default 1). A call that arrives with a traceparent follows its
/// caller's sampled flag.
/// </param>
/// <param name="Protocol"><c>grpc</c> (default) or <c>http/protobuf</c>.</param>
internal sealed record TracingConfig(string? OtlpEndpoint, double SampleRate, OtlpProtocol Protocol)
{
    public static TracingConfig Default { get; } = new(null, 1.0, OtlpProtocol.Grpc);
}
