using System.Text.Json;
using MeshProxy.Configuration;
using MeshProxy.Configuration.Reload;

namespace MeshProxy.Admin;

/// <summary>
/// Writes a config as JSON with the same keys and duration syntax as the YAML file, so a dump reads like the source.
/// The security sections are in <c>ConfigJsonWriter.Security.cs</c>.
/// </summary>
internal static partial class ConfigJsonWriter
{
    public static void Write(Utf8JsonWriter writer, MeshProxyConfig config, ConfigReloadStatus? reload = null)
    {
        writer.WriteStartObject();
        if (config.Version is null)
        {
            writer.WriteNull("version");
        }
        else
        {
            writer.WriteString("version", config.Version);
        }

        writer.WriteStartObject("listeners");
        WriteListener(writer, "grpc", config.Listeners.Grpc);
        WriteListener(writer, "rest", config.Listeners.Rest);
        WriteListener(writer, "ops", config.Listeners.Ops);
        WriteListener(writer, "admin", config.Listeners.Admin);
        if (config.Listeners.Mtls is { } mtls)
        {
            WriteListener(writer, "mtls", mtls);
        }

        writer.WriteEndObject();

        writer.WriteStartArray("routes");
        foreach (var route in config.Routes)
        {
            WriteRoute(writer, route);
        }

        writer.WriteEndArray();

        writer.WriteStartObject("clusters");
        foreach (var cluster in config.Clusters)
        {
            WriteCluster(writer, cluster);
        }

        writer.WriteEndObject();
        writer.WriteStartObject("accessLog");
        writer.WriteBoolean("enabled", config.AccessLog.Enabled);
        writer.WriteNumber("sampleRate", config.AccessLog.SampleRate);
        writer.WriteString("path", config.AccessLog.Path);
        writer.WriteEndObject();
        writer.WriteStartObject("tracing");
        WriteNullable(writer, "otlpEndpoint", config.Tracing.OtlpEndpoint);
        writer.WriteNumber("sampleRate", config.Tracing.SampleRate);
        writer.WriteString("protocol", config.Tracing.Protocol == OtlpProtocol.HttpProtobuf ? "http/protobuf" : "grpc");
        writer.WriteEndObject();
        writer.WriteStartObject("drain");
        writer.WriteString("propagationDelay", Duration.Format(config.Drain.PropagationDelay));
        writer.WriteString("deadline", Duration.Format(config.Drain.Deadline));
        writer.WriteEndObject();
        writer.WriteStartObject("discovery");
        WriteNullable(writer, "dnsResolver", config.Discovery.DnsResolver);
        writer.WriteString("dnsTimeout", Duration.Format(config.Discovery.DnsTimeout));
        WriteNullable(writer, "kubeconfig", config.Discovery.Kubeconfig);
        writer.WriteEndObject();

        if (config.Transcoding is { } transcoding)
        {
            WriteTranscoding(writer, transcoding);
        }

        writer.WriteStartObject("reflection");
        writer.WriteBoolean("enabled", config.Reflection.Enabled);
        WriteStrings(writer, "descriptorSets", config.Reflection.DescriptorSets);
        writer.WriteEndObject();
        WriteSecurity(writer, config);

        if (reload is not null)
        {
            WriteReload(writer, reload);
        }

        writer.WriteEndObject();
    }

    private static void WriteTranscoding(Utf8JsonWriter writer, TranscodingConfig transcoding)
    {
        writer.WriteStartObject("transcoding");
        WriteStrings(writer, "descriptorSets", transcoding.DescriptorSets);
        WriteStrings(writer, "services", transcoding.Services);
        writer.WriteBoolean("unannotatedMethods", transcoding.UnannotatedMethods);
        writer.WriteStartObject("print");
        writer.WriteBoolean("emitDefaultValues", transcoding.EmitDefaultValues);
        writer.WriteEndObject();
        writer.WriteStartObject("parse");
        writer.WriteBoolean("rejectUnknownFields", transcoding.RejectUnknownFields);
        writer.WriteBoolean("rejectUnknownQueryParameters", transcoding.RejectUnknownQueryParameters);
        writer.WriteEndObject();
        writer.WriteNumber("maxRequestBodyBytes", transcoding.MaxRequestBodyBytes);
        WriteStrings(writer, "forwardedHeaderPrefixes", transcoding.ForwardedHeaderPrefixes);
        writer.WriteString("responseMetadataPrefix", transcoding.ResponseMetadataPrefix);
        writer.WriteEndObject();
    }

    private static void WriteStrings(Utf8JsonWriter writer, string name, EquatableArray<string> values)
    {
        writer.WriteStartArray(name);
        foreach (var value in values)
        {
            writer.WriteStringValue(value);
        }

        writer.WriteEndArray();
    }

    private static void WriteReload(Utf8JsonWriter writer, ConfigReloadStatus reload)
    {
        writer.WriteStartObject("reload");
        writer.WriteNumber("generation", reload.Generation);
        WriteNullable(writer, "hash", reload.Hash);
        writer.WriteString("appliedAt", reload.AppliedAt);
        if (reload.LastError is not { } failure)
        {
            writer.WriteNull("lastError");
        }
        else
        {
            writer.WriteStartObject("lastError");
            WriteNullable(writer, "hash", failure.Hash);
            writer.WriteString("at", failure.At);
            writer.WriteStartArray("errors");
            foreach (var error in failure.Errors)
            {
                writer.WriteStartObject();
                writer.WriteString("path", error.Path);
                writer.WriteString("message", error.Message);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    private static void WriteNullable(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteString(name, value);
        }
    }

    private static void WriteListener(Utf8JsonWriter writer, string name, ListenerConfig listener)
    {
        writer.WriteStartObject(name);
        writer.WriteString("address", listener.Address);
        writer.WriteNumber("port", listener.Port);
        writer.WriteEndObject();
    }

    private static void WriteRoute(Utf8JsonWriter writer, RouteConfig route)
    {
        writer.WriteStartObject();
        writer.WriteString("name", route.Name);
        writer.WriteStartObject("match");
        WriteIfSet(writer, "method", route.Match.Method);
        WriteIfSet(writer, "prefix", route.Match.Prefix);
        WriteIfSet(writer, "regex", route.Match.Regex);
        WriteHeaderMatches(writer, "headers", route.Match.Headers);
        writer.WriteEndObject();
        writer.WriteStartArray("backends");
        foreach (var backend in route.Backends)
        {
            writer.WriteStartObject();
            writer.WriteString("cluster", backend.Cluster);
            writer.WriteNumber("weight", backend.Weight);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteString("timeout", Duration.Format(route.Timeout));
        writer.WriteString("streamIdleTimeout", Duration.Format(route.StreamIdleTimeout));
        if (route.HashOn is { } hashOn)
        {
            writer.WriteStartObject("hashOn");
            writer.WriteString("header", hashOn.Header);
            writer.WriteEndObject();
        }

        var retry = route.Retry;
        writer.WriteStartObject("retry");
        WriteStrings(writer, "retryOn", retry.RetryOn);
        writer.WriteNumber("maxAttempts", retry.MaxAttempts);
        writer.WriteString("perTryTimeout", Duration.Format(retry.PerTryTimeout));
        writer.WriteStartObject("backoff");
        writer.WriteString("base", Duration.Format(retry.BackoffBase));
        writer.WriteString("max", Duration.Format(retry.BackoffMax));
        writer.WriteEndObject();
        writer.WriteNumber("bufferLimit", retry.BufferLimit);
        writer.WriteBoolean("failover", retry.Failover);
        writer.WriteEndObject();
        if (route.RateLimit is { } rateLimit)
        {
            writer.WriteStartObject("rateLimit");
            OverloadJson.WriteRateLimit(writer, rateLimit);
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    private static void WriteCluster(Utf8JsonWriter writer, ClusterConfig cluster)
    {
        writer.WriteStartObject(cluster.Name);
        writer.WriteStartArray("destinations");
        foreach (var destination in cluster.Destinations)
        {
            writer.WriteStartObject();
            writer.WriteString("name", destination.Name);
            writer.WriteString("address", destination.Address);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        if (cluster.Dns is { } dns)
        {
            // The discovered destinations are live state: GET /clusters shows them.
            writer.WriteStartObject("dns");
            writer.WriteString("address", dns.Address);
            writer.WriteString("minRefresh", Duration.Format(dns.MinRefresh));
            writer.WriteString("maxRefresh", Duration.Format(dns.MaxRefresh));
            writer.WriteEndObject();
        }

        if (cluster.Kubernetes is { } kubernetes)
        {
            writer.WriteStartObject("kubernetes");
            writer.WriteString("service", kubernetes.Service);
            WriteNullable(writer, "namespace", kubernetes.Namespace);
            WriteNullable(writer, "port", kubernetes.Port);
            writer.WriteEndObject();
        }

        writer.WriteString("loadBalancing", LoadBalancingNames.Format(cluster.LoadBalancing));
        writer.WriteString("connectTimeout", Duration.Format(cluster.ConnectTimeout));
        writer.WriteStartObject("http2");
        writer.WriteString("connectionsPerDestination", cluster.Http2.MultipleConnections ? "multiple" : "single");
        writer.WriteString("client", Http2ClientKinds.Format(cluster.Http2.Client));
        writer.WriteEndObject();
        writer.WriteStartObject("retryBudget");
        writer.WriteNumber("percent", cluster.RetryBudget.Percent);
        writer.WriteNumber("minConcurrency", cluster.RetryBudget.MinConcurrency);
        writer.WriteEndObject();
        writer.WriteStartObject("circuitBreakers");
        OverloadJson.WriteCircuitBreakers(writer, cluster.CircuitBreakers);
        writer.WriteEndObject();
        var outlier = cluster.OutlierDetection;
        writer.WriteStartObject("outlierDetection");
        writer.WriteNumber("consecutiveGatewayFailures", outlier.ConsecutiveGatewayFailures);
        writer.WriteNumber("consecutiveServerErrors", outlier.ConsecutiveServerErrors);
        writer.WriteString("interval", Duration.Format(outlier.Interval));
        writer.WriteString("baseEjectionTime", Duration.Format(outlier.BaseEjectionTime));
        writer.WriteString("maxEjectionTime", Duration.Format(outlier.MaxEjectionTime));
        writer.WriteNumber("maxEjectionPercent", outlier.MaxEjectionPercent);
        writer.WriteNumber("panicThreshold", outlier.PanicThreshold);
        writer.WriteBoolean("splitExternalLocalOriginErrors", outlier.SplitExternalLocalOriginErrors);
        writer.WriteNumber("consecutiveLocalOriginFailures", outlier.ConsecutiveLocalOriginFailures);
        writer.WriteString("warmup", Duration.Format(outlier.Warmup));
        writer.WriteEndObject();
        if (cluster.HealthCheck is { } health)
        {
            writer.WriteStartObject("healthCheck");
            if (health.GrpcService is not null)
            {
                writer.WriteStartObject("grpc");
                writer.WriteString("service", health.GrpcService);
                writer.WriteEndObject();
            }

            if (health.HttpPath is not null)
            {
                writer.WriteStartObject("http");
                writer.WriteString("path", health.HttpPath);
                writer.WriteEndObject();
            }

            writer.WriteString("interval", Duration.Format(health.Interval));
            writer.WriteString("timeout", Duration.Format(health.Timeout));
            writer.WriteNumber("unhealthyThreshold", health.UnhealthyThreshold);
            writer.WriteNumber("healthyThreshold", health.HealthyThreshold);
            writer.WriteBoolean("missingServiceIsHealthy", health.MissingServiceIsHealthy);
            writer.WriteEndObject();
        }

        WriteClusterTls(writer, cluster.Tls);

        writer.WriteEndObject();
    }

    private static void WriteHeaderMatches(Utf8JsonWriter writer, string name, EquatableArray<HeaderMatchConfig> headers)
    {
        writer.WriteStartArray(name);
        foreach (var header in headers)
        {
            writer.WriteStartObject();
            writer.WriteString("name", header.Name);
            WriteIfSet(writer, "exact", header.Exact);
            WriteIfSet(writer, "prefix", header.Prefix);
            WriteIfSet(writer, "regex", header.Regex);
            if (header.Present is { } present)
            {
                writer.WriteBoolean("present", present);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    private static void WriteIfSet(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }
}
