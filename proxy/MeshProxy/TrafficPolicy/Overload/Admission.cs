namespace MeshProxy.TrafficPolicy.Overload;

/// <summary>An admitted call: its circuit-breaker request slot, held until the call ends.</summary>
internal readonly record struct Admission(IDisposable Slot);
