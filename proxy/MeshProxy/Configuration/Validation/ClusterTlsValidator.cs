using MeshProxy.Security;

namespace MeshProxy.Configuration.Validation;

/// <summary>
/// A cluster's <c>tls:</c> needs the top-level workload certificate, and names the server by a valid SPIFFE ID or a
/// valid trust domain, not both.
/// </summary>
internal sealed class ClusterTlsValidator : IConfigValidator
{
    public void Validate(MeshProxyConfig config, ConfigErrors errors)
    {
        foreach (var cluster in config.Clusters)
        {
            if (cluster.Tls is not { } tls)
            {
                continue;
            }

            var path = $"{ConfigPaths.Cluster(cluster.Name)}.tls";
            if (config.Tls is null)
            {
                errors.Add(path, "needs the top-level 'tls:' section (the workload certificate to present and the bundle to check the server against)");
            }

            if (tls.SpiffeId is not null && tls.TrustDomain is not null)
            {
                errors.Add(path, "give either 'spiffeId' or 'trustDomain', not both");
            }

            if (tls.SpiffeId is { } id && !SpiffeId.IsValid(id, out var idError))
            {
                errors.Add($"{path}.spiffeId", idError);
            }

            if (tls.TrustDomain is { } domain && !SpiffeId.IsValidTrustDomain(domain, out var domainError))
            {
                errors.Add($"{path}.trustDomain", $"'{domain}' is not a trust domain: {domainError}");
            }
        }
    }
}
