using System.Globalization;

namespace MeshProxy.Configuration;

/// <summary>Reads the <c>accessLog:</c> and <c>tracing:</c> sections key by key (see <see cref="ConfigLoader"/>).</summary>
internal static class ObservabilityConfigReader
{
    public static AccessLogConfig ReadAccessLog(YamlMapping parent, ConfigErrors errors)
    {
        var map = YamlMapping.From(parent.Node("accessLog"), parent.Child("accessLog"), errors);
        var defaults = AccessLogConfig.Default;
        var result = new AccessLogConfig(
            map.Bool("enabled") ?? defaults.Enabled,
            Rate(map, "sampleRate", errors) ?? defaults.SampleRate,
            map.String("path") ?? defaults.Path);
        map.ReportUnknownKeys();
        return result;
    }

    public static TracingConfig ReadTracing(YamlMapping parent, ConfigErrors errors)
    {
        var map = YamlMapping.From(parent.Node("tracing"), parent.Child("tracing"), errors);
        var defaults = TracingConfig.Default;
        var protocol = defaults.Protocol;
        switch (map.String("protocol"))
        {
            case null:
                break;
            case "grpc":
                protocol = OtlpProtocol.Grpc;
                break;
            case "http/protobuf":
                protocol = OtlpProtocol.HttpProtobuf;
                break;
            case var other:
                errors.Add(map.Child("protocol"), $"expected 'grpc' or 'http/protobuf', found '{other}'");
                break;
        }

        var result = new TracingConfig(map.String("otlpEndpoint"), Rate(map, "sampleRate", errors) ?? defaults.SampleRate, protocol);
        map.ReportUnknownKeys();
        return result;
    }

    /// <summary>A fraction from 0 to 1.</summary>
    private static double? Rate(YamlMapping map, string key, ConfigErrors errors)
    {
        var text = map.String(key);
        if (text is null)
        {
            return null;
        }

        if (double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var rate) && rate is >= 0 and <= 1)
        {
            return rate;
        }

        errors.Add(map.Child(key), $"expected a number from 0 to 1, found '{text}'");
        return null;
    }
}
