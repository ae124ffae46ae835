namespace MeshProxy.SampleBackends.Faults;

/// <summary>Handed from the fault middleware to a streaming handler: fail once <see cref="FaultRule.AfterMessages"/> messages were sent.</summary>
internal sealed class InjectedFaultFeature(FaultRule rule)
{
    public FaultRule Rule { get; } = rule;
}
