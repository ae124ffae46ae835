namespace MeshProxy.Configuration;

/// <summary>A set of interchangeable upstream destinations and how to reach them.</summary>
/// <param name="Name">Unique, [a-z0-9-_.].</param>
/// <param name="Destinations">h2c endpoints; empty when <see cref="Dns"/> or <see cref="Kubernetes"/> discovers them.</param>
/// <param name="LoadBalancing">How a destination is picked. Default roundRobin.</param>
/// <param name="ConnectTimeout">TCP connect timeout. Default 5s.</param>
/// <param name="Http2">HTTP/2 connection settings.</param>
internal sealed record ClusterConfig(
    string Name,
    EquatableArray<DestinationConfig> Destinations,
    LoadBalancingKind LoadBalancing,
    TimeSpan ConnectTimeout,
    Http2Config Http2)
{
    /// <summary>Passive health: when a destination is ejected for failing. Default <see cref="OutlierDetectionConfig.Default"/>.</summary>
    public OutlierDetectionConfig OutlierDetection { get; init; } = OutlierDetectionConfig.Default;

    /// <summary>Active health checks; null (default) for none.</summary>
    public HealthCheckConfig? HealthCheck { get; init; }

    /// <summary>Destinations from DNS (<c>dns:</c>) instead of <see cref="Destinations"/>; null (default) for a fixed list.</summary>
    public DnsDiscoveryConfig? Dns { get; init; }

    /// <summary>Destinations from a Kubernetes Service's EndpointSlices (<c>kubernetes:</c>); null (default) for none.</summary>
    public KubernetesDiscoveryConfig? Kubernetes { get; init; }

    /// <summary>True when the destinations come from discovery rather than the config file.</summary>
    public bool Discovered => Dns is not null || Kubernetes is not null;

    /// <summary>Cap on concurrent retries in the cluster (<c>retryBudget:</c>). Default 20% of active calls, at least 3.</summary>
    public RetryBudgetConfig RetryBudget { get; init; } = RetryBudgetConfig.Default;

    /// <summary>Circuit breakers (<c>circuitBreakers:</c>): calls, pending calls and retries in flight at most. Default <see cref="CircuitBreakersConfig.Default"/>.</summary>
    public CircuitBreakersConfig CircuitBreakers { get; init; } = CircuitBreakersConfig.Default;
    /// <summary>
    /// Ramps the share of a destination that is new, back from ejection or back to health (<c>slowStart:</c>, Envoy's
    /// <c>slow_start_config</c>); null (default) for none.
    /// </summary>
    public SlowStartConfig? SlowStart { get; init; }

    /// <summary>mTLS to the destinations (<c>tls:</c>); null (default) for h2c.</summary>
    public ClusterTlsConfig? Tls { get; init; }

    public static TimeSpan DefaultConnectTimeout { get; } = TimeSpan.FromSeconds(5);
}
