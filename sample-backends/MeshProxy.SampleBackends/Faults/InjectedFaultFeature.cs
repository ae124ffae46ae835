namespace MeshProxy.SampleBackends.Faults;

/// <summary>The fault selected for a call, handed from the middleware that counts calls to the <see cref="FaultInterceptor"/> that applies it.</summary>
internal sealed class InjectedFaultFeature(FaultRule rule)
{
    public FaultRule Rule { get; } = rule;
}
