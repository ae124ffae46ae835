namespace MeshProxy.TrafficPolicy;

/// <summary>A load-balancing policy: picks one destination per call, or null when there is none.</summary>
internal interface IDestinationPicker
{
    DestinationState? Pick(IReadOnlyList<DestinationState> destinations);
}
