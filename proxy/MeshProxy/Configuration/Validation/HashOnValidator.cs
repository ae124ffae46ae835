namespace MeshProxy.Configuration.Validation;

/// <summary>A sticky split (<c>hashOn</c>) names one ordinary request header to hash.</summary>
internal sealed class HashOnValidator : IConfigValidator
{
    public void Validate(MeshProxyConfig config, ConfigErrors errors)
    {
        for (var i = 0; i < config.Routes.Count; i++)
        {
            if (config.Routes[i].HashOn is not { } hashOn)
            {
                continue;
            }

            var path = $"{ConfigPaths.Route(i)}.hashOn.header";
            if (hashOn.Header.Length == 0)
            {
                errors.Add(path, "is required");
            }
            else if (hashOn.Header.StartsWith(':') || hashOn.Header.AsSpan().ContainsAny(" \t\r\n:"))
            {
                // Pseudo-headers (:path, :authority) are not per-user values; a split on them is a config mistake.
                errors.Add(path, $"'{hashOn.Header}' is not a header name");
            }
        }
    }
}
