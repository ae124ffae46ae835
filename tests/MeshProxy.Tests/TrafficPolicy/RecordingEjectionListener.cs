using MeshProxy.TrafficPolicy;

namespace MeshProxy.Tests.TrafficPolicy;

/// <summary>Writes down each ejection (with its rule) and return, in order, as "ejected CLUSTER DEST RULE" / "returned CLUSTER DEST".</summary>
internal sealed class RecordingEjectionListener : IEjectionListener
{
    public List<string> Events { get; } = [];

    public void DestinationEjected(string cluster, string destination, string reason) => Events.Add($"ejected {cluster} {destination} {reason}");

    public void DestinationReturned(string cluster, string destination) => Events.Add($"returned {cluster} {destination}");
}
