namespace MeshProxy.Configuration.Validation;

/// <summary>
/// The access log goes to stdout or a file path; the OTLP endpoint is an absolute http(s) URI. Sample rates are
/// checked when read (a malformed rate has no value to validate here).
/// </summary>
internal sealed class ObservabilityValidator : IConfigValidator
{
    public void Validate(MeshProxyConfig config, ConfigErrors errors)
    {
        if (config.AccessLog.Path.Length == 0)
        {
            errors.Add("accessLog.path", "expected 'stdout' or a file path, found an empty string");
        }

        if (config.Tracing.OtlpEndpoint is { } endpoint
            && !(Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)))
        {
            errors.Add("tracing.otlpEndpoint", $"expected an absolute http:// or https:// URI such as http://127.0.0.1:4317, found '{endpoint}'");
        }
    }
}
