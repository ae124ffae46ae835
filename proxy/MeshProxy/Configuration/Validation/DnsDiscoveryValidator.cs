namespace MeshProxy.Configuration.Validation;

/// <summary>
/// A <c>dns</c> cluster names a host (a DNS name or an IP literal) and a port 1-65535, and its refresh bounds satisfy
/// 0 &lt; minRefresh &lt;= maxRefresh.
/// </summary>
internal sealed class DnsDiscoveryValidator : IConfigValidator
{
    public void Validate(MeshProxyConfig config, ConfigErrors errors)
    {
        foreach (var cluster in config.Clusters)
        {
            if (cluster.Dns is not { } dns)
            {
                continue;
            }

            var path = $"{ConfigPaths.Cluster(cluster.Name)}.dns";
            if (dns.Host.Length == 0)
            {
                errors.Add(path, "expected HOST:PORT, e.g. users-v1.shop.svc.cluster.local:50051");
            }
            else if (Uri.CheckHostName(dns.Host) == UriHostNameType.Unknown)
            {
                errors.Add(path, $"'{dns.Host}' is not a DNS name or an IP address");
            }

            if (dns.Port == 0)
            {
                errors.Add(path, $"'{dns.Host}' needs a port (HOST:PORT): DNS address records carry none");
            }
            else if (dns.Port is < 1 or > 65535)
            {
                errors.Add(path, "the port must be a number from 1 to 65535");
            }

            if (dns.MinRefresh <= TimeSpan.Zero)
            {
                errors.Add($"{path}.minRefresh", "must be above 0s");
            }

            if (dns.MaxRefresh < dns.MinRefresh)
            {
                errors.Add($"{path}.maxRefresh", $"{Duration.Format(dns.MaxRefresh)} is below minRefresh ({Duration.Format(dns.MinRefresh)})");
            }
        }
    }
}
