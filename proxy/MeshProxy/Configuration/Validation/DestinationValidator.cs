namespace MeshProxy.Configuration.Validation;

/// <summary>
/// A cluster has at least one destination, or discovers them (<c>dns</c>, <c>kubernetes</c>) and then lists none; each is an absolute http URI with no path or query (calls keep their
/// own :path), and destination names are unique within the cluster.
/// </summary>
internal sealed class DestinationValidator : IConfigValidator
{
    public void Validate(MeshProxyConfig config, ConfigErrors errors)
    {
        foreach (var cluster in config.Clusters)
        {
            var path = ConfigPaths.Cluster(cluster.Name);
            if (cluster.Dns is not null && cluster.Kubernetes is not null)
            {
                errors.Add($"{path}.kubernetes", "give either 'dns' or 'kubernetes', not both");
            }

            if (cluster.Discovered && cluster.Destinations.Count > 0)
            {
                errors.Add($"{path}.destinations", $"give either 'destinations' or '{(cluster.Dns is not null ? "dns" : "kubernetes")}', not both");
            }
            else if (!cluster.Discovered && cluster.Destinations.Count == 0)
            {
                errors.Add($"{path}.destinations", "at least one destination is required (or 'dns' or 'kubernetes' to discover them)");
            }

            var names = new HashSet<string>(StringComparer.Ordinal);
            for (var d = 0; d < cluster.Destinations.Count; d++)
            {
                var destination = cluster.Destinations[d];
                var itemPath = $"{path}.destinations[{d}]";
                if (destination.Address.Length == 0)
                {
                    errors.Add($"{itemPath}.address", "is required");
                }
                else if (!Uri.TryCreate(destination.Address, UriKind.Absolute, out var uri) || uri.Scheme != (cluster.Tls is null ? Uri.UriSchemeHttp : Uri.UriSchemeHttps))
                {
                    errors.Add($"{itemPath}.address", cluster.Tls is null
                        ? $"'{destination.Address}' is not an absolute http:// URI (destinations are h2c; a cluster with 'tls:' takes https://)"
                        : $"'{destination.Address}' is not an absolute https:// URI (the cluster has 'tls:')");
                }
                else if (uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.UserInfo.Length > 0)
                {
                    errors.Add($"{itemPath}.address", $"'{destination.Address}' must be scheme://host:port only");
                }

                if (destination.Name.Length > 0 && !names.Add(destination.Name))
                {
                    errors.Add($"{itemPath}.name", $"'{destination.Name}' is already used in this cluster");
                }
            }
        }
    }
}
