using System.Net;

namespace MeshProxy.Configuration.Validation;

/// <summary><c>discovery.dnsResolver</c> is an <c>IP:PORT</c> endpoint and <c>discovery.dnsTimeout</c> is above zero.</summary>
internal sealed class DiscoveryValidator : IConfigValidator
{
    public void Validate(MeshProxyConfig config, ConfigErrors errors)
    {
        var discovery = config.Discovery;
        if (discovery.DnsResolver is { } resolver && !TryParseResolver(resolver, out _))
        {
            errors.Add("discovery.dnsResolver", $"'{resolver}' is not IP:PORT (e.g. 10.96.0.10:53 or [::1]:5353)");
        }

        if (discovery.DnsTimeout <= TimeSpan.Zero)
        {
            errors.Add("discovery.dnsTimeout", "must be above 0s");
        }
    }

    /// <summary>An IP address and a port (a missing port parses as 0 and is refused); names are refused, since resolving the resolver would need a resolver.</summary>
    public static bool TryParseResolver(string text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IPEndPoint? endPoint) =>
        IPEndPoint.TryParse(text, out endPoint) && endPoint.Port > 0;
}
