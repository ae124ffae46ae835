using MeshProxy.IO;

namespace MeshProxy.Configuration.Validation;

/// <summary>
/// The <c>browser:</c> section: a positive body limit, and a CORS policy a browser can apply (origins as browsers send
/// them, header names that are HTTP tokens, a max-age browsers honour, no credentials with the wildcard origin, which
/// the Fetch standard forbids).
/// </summary>
internal sealed class BrowserValidator : IConfigValidator
{
    private const string Section = "browser";

    // Chromium caps Access-Control-Max-Age at 2h and Firefox at 24h; a longer value only misleads the reader.
    private static readonly TimeSpan MaxMaxAge = TimeSpan.FromHours(24);

    public void Validate(MeshProxyConfig config, ConfigErrors errors)
    {
        if (config.Browser is not { } browser)
        {
            return;
        }

        if (browser.MaxRequestBodyBytes <= 0)
        {
            errors.Add($"{Section}.maxRequestBodyBytes", "must be above 0");
        }

        if (browser.Cors is not { } cors)
        {
            return;
        }

        var path = $"{Section}.cors";
        if (cors.AllowedOrigins.Count == 0)
        {
            errors.Add($"{path}.allowedOrigins", "list at least one origin (scheme://host[:port]) or \"*\"");
        }

        for (var i = 0; i < cors.AllowedOrigins.Count; i++)
        {
            var origin = cors.AllowedOrigins[i];
            if (origin != "*" && OriginError(origin) is { } error)
            {
                errors.Add($"{path}.allowedOrigins[{i}]", error);
            }

            if (origin == "*" && cors.AllowCredentials)
            {
                errors.Add($"{path}.allowCredentials", "cannot be true with the origin \"*\": browsers refuse credentials for a wildcard origin; list the origins");
            }
        }

        HeaderNames(cors.AllowedHeaders, $"{path}.allowedHeaders", errors);
        HeaderNames(cors.ExposedHeaders, $"{path}.exposedHeaders", errors);
        if (cors.MaxAge < TimeSpan.Zero || cors.MaxAge > MaxMaxAge)
        {
            errors.Add($"{path}.maxAge", "must be between 0s and 24h");
        }
    }

    /// <summary>Why <paramref name="origin"/> is not a serialized origin (RFC 6454 §6.2), or null when it is one.</summary>
    internal static string? OriginError(string origin)
    {
        if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            return $"'{origin}' is not an origin: write scheme://host[:port] with scheme http or https, or \"*\"";
        }

        var serialized = uri.IsDefaultPort ? $"{uri.Scheme}://{uri.Host}" : $"{uri.Scheme}://{uri.Host}:{uri.Port}";
        if (!string.Equals(serialized, origin, StringComparison.Ordinal))
        {
            return $"'{origin}' is not an origin as a browser sends it: expected '{serialized}' (lower-case, no path, no trailing slash, no default port)";
        }

        return null;
    }

    // "*" is a token too: in allowedHeaders it echoes what the page asks for, in exposedHeaders the Fetch standard reads
    // it as "every header" for requests without credentials.
    private static void HeaderNames(EquatableArray<string> names, string path, ConfigErrors errors)
    {
        for (var i = 0; i < names.Count; i++)
        {
            var name = names[i];
            if (!HttpFieldNames.IsToken(name))
            {
                errors.Add($"{path}[{i}]", $"'{name}' is not a header name (an HTTP token: letters, digits and !#$%&'*+-.^_`|~)");
            }
        }
    }
}
