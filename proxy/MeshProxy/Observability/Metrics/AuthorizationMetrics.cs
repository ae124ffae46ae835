using System.Runtime.CompilerServices;
using MeshProxy.Security.Authorization;
using Prometheus;
using L = MeshProxy.Observability.Metrics.MetricLabels;

namespace MeshProxy.Observability.Metrics;

/// <summary>
/// <c>meshproxy_authz_decisions_total{policy, action, result}</c> in the sidecar's registry. Decisions are objects made
/// once per policy at load, so each one's series is looked up once and then kept beside it (a weak table: a reload's
/// retired decisions go with their snapshot). Calls of a config without policies are not counted.
/// </summary>
internal sealed class AuthorizationMetrics
{
    private readonly ConditionalWeakTable<AuthorizationDecision, Counter.Child> _series = [];
    private readonly ConditionalWeakTable<AuthorizationDecision, Counter.Child>.CreateValueCallback _create;

    public AuthorizationMetrics(MeshProxyMetrics metrics)
    {
        // No exemplars, for the reason MeshProxyMetrics gives.
        var factory = Prometheus.Metrics.WithCustomRegistry(metrics.Registry);
        factory.ExemplarBehavior = new ExemplarBehavior();
        var counter = factory.CreateCounter(
            "meshproxy_authz_decisions_total",
            "Authorization decisions on gRPC and REST calls: the policy that decided (empty when none matched), its action and the result.",
            ["policy", "action", L.Result],
            new CounterConfiguration { SuppressInitialValue = true });
        _create = decision => counter.WithLabels(decision.Policy, decision.Action, decision.Result);
    }

    public void Record(AuthorizationDecision decision) => _series.GetValue(decision, _create).Inc();
}
