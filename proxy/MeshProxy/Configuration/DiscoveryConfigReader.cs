using System.Globalization;

namespace MeshProxy.Configuration;

/// <summary>Reads a cluster's <c>dns</c> (scalar or mapping form) and <c>kubernetes</c>, and the top-level <c>discovery:</c> block, key by key.</summary>
internal static class DiscoveryConfigReader
{
    /// <summary>The cluster's <c>dns</c>, or null when it has none.</summary>
    public static DnsDiscoveryConfig? ReadDns(YamlMapping cluster, ConfigErrors errors)
    {
        var node = cluster.Node("dns");
        var path = cluster.Child("dns");
        if (node is null)
        {
            return null;
        }

        if (node is YamlDotNet.RepresentationModel.YamlScalarNode scalar)
        {
            return Parse(scalar.Value ?? string.Empty, DnsDiscoveryConfig.DefaultMinRefresh, DnsDiscoveryConfig.DefaultMaxRefresh);
        }

        var map = YamlMapping.From(node, path, errors);
        var address = map.String("address") ?? string.Empty;
        var result = Parse(
            address,
            map.Duration("minRefresh") ?? DnsDiscoveryConfig.DefaultMinRefresh,
            map.Duration("maxRefresh") ?? DnsDiscoveryConfig.DefaultMaxRefresh);
        map.ReportUnknownKeys();
        return result;
    }

    /// <summary>The top-level <c>discovery:</c>; missing keys (or the whole block) take <see cref="DiscoveryConfig.Default"/>.</summary>
    public static DiscoveryConfig Read(YamlMapping root, ConfigErrors errors)
    {
        var map = YamlMapping.From(root.Node("discovery"), root.Child("discovery"), errors);
        var defaults = DiscoveryConfig.Default;
        var result = new DiscoveryConfig(map.String("dnsResolver"), map.Duration("dnsTimeout") ?? defaults.DnsTimeout)
        {
            Kubeconfig = map.String("kubeconfig"),
        };
        map.ReportUnknownKeys();
        return result;
    }

    /// <summary>The cluster's <c>kubernetes</c>, or null when it has none.</summary>
    public static KubernetesDiscoveryConfig? ReadKubernetes(YamlMapping cluster, ConfigErrors errors)
    {
        var present = cluster.Has("kubernetes");
        var map = YamlMapping.From(cluster.Node("kubernetes"), cluster.Child("kubernetes"), errors);
        if (!present)
        {
            return null;
        }

        var result = new KubernetesDiscoveryConfig(map.String("service") ?? string.Empty, map.String("namespace"), map.String("port"));
        map.ReportUnknownKeys();
        return result;
    }

    /// <summary>
    /// Splits <c>HOST:PORT</c> (<c>[IPv6]:PORT</c>) at its last colon; a missing or malformed port becomes 0 and an
    /// empty host stays empty, for the validator to report with the path.
    /// </summary>
    public static DnsDiscoveryConfig Parse(string address, TimeSpan minRefresh, TimeSpan maxRefresh)
    {
        var text = address.Trim();
        var colon = text.LastIndexOf(':');
        var host = text;
        var port = 0;
        if (colon >= 0 && (text.IndexOf(':') == colon || text.StartsWith('[')))
        {
            host = text[..colon];
            port = int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) ? parsed : -1;
        }

        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
        }

        return new DnsDiscoveryConfig(host, port, minRefresh, maxRefresh);
    }
}
