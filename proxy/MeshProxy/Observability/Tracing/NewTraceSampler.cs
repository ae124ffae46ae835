namespace MeshProxy.Observability.Tracing;

/// <summary>
/// Decides whether a call that starts a new trace (no valid traceparent from its caller) is recorded, before any
/// <see cref="System.Diagnostics.Activity"/> is made for it: at Istio's 1 % most calls are not, and the OpenTelemetry
/// SDK's own ratio sampler would still make each of them an unrecorded Activity (its Drop is the runtime's
/// PropagationData) only to hand the backend an unsampled traceparent. <see cref="CallTrace"/> writes that traceparent
/// itself instead; the SDK samples the roots this lets through (ParentBased, root always on, <see cref="TraceExport"/>).
/// </summary>
/// <remarks>
/// A root's trace id is random, so a random draw samples exactly as the SDK's trace-id ratio did. One per sidecar (a
/// test process runs several), armed only when that sidecar exports traces.
/// </remarks>
internal sealed class NewTraceSampler(Random random)
{
    private double _rate = -1;

    /// <summary>Whether this sidecar records traces at all (<c>tracing.otlpEndpoint</c> was set at start).</summary>
    public bool IsOn => _rate >= 0;

    /// <summary>Arms the sampler with <c>tracing.sampleRate</c> once the exporter has started.</summary>
    public void Start(double rate) => _rate = Math.Clamp(rate, 0, 1);

    /// <summary>Whether the next new trace is recorded.</summary>
    public bool Samples() => _rate >= 1 || (_rate > 0 && random.NextDouble() < _rate);
}
