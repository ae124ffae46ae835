using MeshProxy.Configuration;
using MeshProxy.Observability.Metrics;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace MeshProxy.Observability.Tracing;

/// <summary>
/// Exports the sidecar's spans with the OpenTelemetry OTLP exporter when <c>tracing.otlpEndpoint</c> is set (read at
/// start). New traces are sampled at <c>sampleRate</c> by <see cref="NewTraceSampler"/>, before a span is made, so the
/// SDK's root sampler takes every root it is offered; a call with a traceparent follows its caller's decision
/// (ParentBased, W3C Trace Context's sampled flag).
/// </summary>
internal static class TraceExport
{
    /// <summary>The provider to dispose at shutdown (which flushes the spans still batched), or null when tracing is off.</summary>
    public static TracerProvider? Start(TracingConfig config, ILogger logger)
    {
        if (config.OtlpEndpoint is not { } endpoint)
        {
            return null;
        }

        var uri = new Uri(endpoint);
        if (config.Protocol == OtlpProtocol.HttpProtobuf && uri.AbsolutePath == "/")
        {
            // Given in code, the exporter uses the endpoint as the full URL (no signal path appended), unlike the env variable.
            uri = new Uri(uri, "/v1/traces");
        }

        ObservabilityLog.TraceExportStarted(logger, uri.ToString(), config.Protocol == OtlpProtocol.HttpProtobuf ? "http/protobuf" : "grpc", config.SampleRate);
        return Sdk.CreateTracerProviderBuilder()
            .AddSource(MeshProxyActivitySource.Name)
            .SetResourceBuilder(ResourceBuilder.CreateDefault().AddService("meshproxy", serviceVersion: MeshProxyMetrics.BuildVersion))
            .SetSampler(new ParentBasedSampler(new AlwaysOnSampler()))
            .AddOtlpExporter(options =>
            {
                options.Endpoint = uri;
                options.Protocol = config.Protocol == OtlpProtocol.HttpProtobuf ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
            })
            .Build();
    }
}
