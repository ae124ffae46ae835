namespace MeshProxy.Configuration;

/// <summary>The whole sidecar configuration: one immutable snapshot of a config file.</summary>
/// <param name="Version">Free-form label shown by the admin listener; null when the file has none.</param>
/// <param name="Listeners">Where the sidecar listens.</param>
/// <param name="Routes">gRPC routes in file order (precedence is by specificity, see <c>RouteTable</c>).</param>
/// <param name="Clusters">Upstream clusters in file order; names are unique.</param>
internal sealed record MeshProxyConfig(
    string? Version,
    ListenersConfig Listeners,
    EquatableArray<RouteConfig> Routes,
    EquatableArray<ClusterConfig> Clusters)
{
    /// <summary>The optional JSON access log; default off.</summary>
    public AccessLogConfig AccessLog { get; init; } = AccessLogConfig.Default;

    /// <summary>Trace recording and export; default none (traceparent is still passed on).</summary>
    public TracingConfig Tracing { get; init; } = TracingConfig.Default;
    /// <summary>How the sidecar drains before it exits (<c>drain:</c>); <see cref="DrainConfig.Default"/> when omitted.</summary>
    public DrainConfig Drain { get; init; } = DrainConfig.Default;

    /// <summary>Process-wide discovery settings (<c>discovery:</c>): the DNS resolver; <see cref="DiscoveryConfig.Default"/> when omitted.</summary>
    public DiscoveryConfig Discovery { get; init; } = DiscoveryConfig.Default;

    /// <summary>The REST/JSON transcoding section; null when the file has none (the REST listener then answers 404).</summary>
    public TranscodingConfig? Transcoding { get; init; }

    /// <summary>gRPC-Web, Connect and CORS on the REST listener (<c>browser:</c>); null when the file has none.</summary>
    public BrowserConfig? Browser { get; init; }

    /// <summary>gRPC server reflection answered by the sidecar (<c>reflection:</c>); off when omitted.</summary>
    public ReflectionConfig Reflection { get; init; } = ReflectionConfig.Default;

    /// <summary>Authorization policies (<c>authorization.policies</c>), checked on every gRPC and REST call; none by default (everything passes).</summary>
    public EquatableArray<AuthorizationPolicyConfig> Authorization { get; init; } = EquatableArray<AuthorizationPolicyConfig>.Empty;

    /// <summary>Bearer JWT validation on the REST listener (<c>jwt:</c>); null when the file has none.</summary>
    public JwtConfig? Jwt { get; init; }

    /// <summary>The workload certificate and the mTLS listener (<c>tls:</c>); null (default) for cleartext only.</summary>
    public TlsConfig? Tls { get; init; }

    /// <summary>Overload and abuse limits (<c>protection:</c>, Protection/ProtectionConfigReader.cs); applied at start only.</summary>
    public MeshProxy.Protection.ProtectionOptions Protection { get; init; } = MeshProxy.Protection.ProtectionOptions.Default;
}
