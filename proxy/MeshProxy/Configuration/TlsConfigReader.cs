using YamlDotNet.RepresentationModel;

namespace MeshProxy.Configuration;

/// <summary>Reads the top-level <c>tls:</c> section, the <c>listeners.mtls</c> listener and a cluster's <c>tls:</c> block.</summary>
internal static class TlsConfigReader
{
    /// <summary>The default mTLS listener: every interface, port 7443.</summary>
    public static ListenerConfig DefaultListener { get; } = new("0.0.0.0", 7443);

    /// <summary>The top-level <c>tls:</c> section, or null when the file has none.</summary>
    public static TlsConfig? Read(YamlMapping root, ConfigErrors errors)
    {
        var present = root.Has("tls");
        var map = YamlMapping.From(root.Node("tls"), root.Child("tls"), errors);
        if (!present)
        {
            return null;
        }

        var mode = TlsMode.Strict;
        switch (map.String("mode"))
        {
            case null or "strict":
                break;
            case "permissive":
                mode = TlsMode.Permissive;
                break;
            case var other:
                errors.Add(map.Child("mode"), $"expected 'strict' or 'permissive', found '{other}'");
                break;
        }

        var config = new TlsConfig(
            map.String("directory") ?? string.Empty,
            map.String("certificateFile") ?? TlsConfig.DefaultCertificateFile,
            map.String("keyFile") ?? TlsConfig.DefaultKeyFile,
            map.String("bundleFile") ?? TlsConfig.DefaultBundleFile,
            mode)
        {
            TrustDomain = map.String("trustDomain"),
        };
        config = config with
        {
            PollInterval = map.Duration("pollInterval") ?? config.PollInterval,
            ExpiryWarning = map.Duration("expiryWarning") ?? config.ExpiryWarning,
            ForwardClientCertHeader = map.String("forwardClientCertHeader") ?? config.ForwardClientCertHeader,
        };
        map.ReportUnknownKeys();
        return config;
    }

    /// <summary>
    /// <c>listeners.mtls</c>: read when given (the validator refuses it without a <c>tls:</c> section); null when it is
    /// omitted, so the caller can default it only when TLS is on.
    /// </summary>
    public static ListenerConfig? ReadListener(YamlMapping listeners, ConfigErrors errors)
    {
        if (!listeners.Has("mtls"))
        {
            listeners.Node("mtls");
            return null;
        }

        var map = YamlMapping.From(listeners.Node("mtls"), listeners.Child("mtls"), errors);
        var result = new ListenerConfig(map.String("address") ?? DefaultListener.Address, map.Int("port") ?? DefaultListener.Port);
        map.ReportUnknownKeys();
        return result;
    }

    /// <summary>A cluster's <c>tls:</c> block, or null when it has none (h2c). <c>tls: {}</c> turns TLS on with the defaults.</summary>
    public static ClusterTlsConfig? ReadCluster(YamlMapping cluster, ConfigErrors errors)
    {
        var present = cluster.Has("tls");
        var map = YamlMapping.From(cluster.Node("tls"), cluster.Child("tls"), errors);
        if (!present)
        {
            return null;
        }

        var result = new ClusterTlsConfig(map.String("spiffeId"), map.String("trustDomain"));
        map.ReportUnknownKeys();
        return result;
    }
}
