namespace MeshProxy.Configuration.Validation;

/// <summary>Runs every rule; each adds all of its errors, so one pass reports everything wrong with a file.</summary>
internal static class ConfigValidator
{
    private static readonly IConfigValidator[] Rules =
    [
        new ListenerAddressValidator(),
        new ListenerPortValidator(),
        new AdminLoopbackValidator(),
        new RouteNameValidator(),
        new UniqueRouteNameValidator(),
        new MatchKindValidator(),
        new MethodSyntaxValidator(),
        new LocalHealthRouteValidator(),
        new PrefixSyntaxValidator(),
        new RegexValidator(),
        new HeaderMatcherValidator(),
        new DuplicateMatchValidator(),
        new BackendClusterValidator(),
        new BackendWeightValidator(),
        new HashOnValidator(),
        new DurationValidator(),
        new ClusterNameValidator(),
        new DestinationValidator(),
        new DnsDiscoveryValidator(),
        new KubernetesDiscoveryValidator(),
        new DiscoveryValidator(),
        new LoadBalancingValidator(),
        new ObservabilityValidator(),
        new DrainValidator(),
        new TranscodingValidator(),
        new BrowserValidator(),
        new OutlierThresholdValidator(),
        new OutlierTimingValidator(),
        new OutlierPercentValidator(),
        new HealthCheckProtocolValidator(),
        new HealthCheckTimingValidator(),
        new HealthCheckThresholdValidator(),
        new RetryOnValidator(),
        new RetryAttemptsValidator(),
        new RetryDurationValidator(),
        new RetryBackoffValidator(),
        new RetryBufferLimitValidator(),
        new RetryBudgetValidator(),
        new HedgingValidator(),
        new CircuitBreakersValidator(),
        new RateLimitValidator(),
        new SlowStartValidator(),
        new AuthorizationPolicyValidator(),
        new JwtConfigValidator(),
        new TlsValidator(),
        new ClusterTlsValidator(),
    ];

    public static void Validate(MeshProxyConfig config, ConfigErrors errors)
    {
        foreach (var rule in Rules)
        {
            rule.Validate(config, errors);
        }
    }
}
