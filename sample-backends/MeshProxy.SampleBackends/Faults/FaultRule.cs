using Grpc.Core;

namespace MeshProxy.SampleBackends.Faults;

/// <summary>
/// One fault knob: which calls it selects and what it does to them. A rule selects every call of its methods, or a
/// share of them (<see cref="Rate"/>), or the first N (<see cref="First"/>); a selected call waits <see cref="Latency"/>
/// and then, when <see cref="Status"/> is set, fails with it.
/// </summary>
internal sealed record FaultRule
{
    /// <summary>The methods selected: "/pkg.Svc/Method" (the leading slash is optional), "pkg.Svc/*" or "*".</summary>
    public required string Method { get; init; }

    /// <summary>The status a selected call fails with; null delays only (with <see cref="Latency"/>).</summary>
    public StatusCode? Status { get; init; }

    /// <summary>grpc-message of the failure. Default: a message naming the injected fault.</summary>
    public string? Message { get; init; }

    /// <summary>The share of calls selected, in [0, 1]; drawn from the seeded random source. Null: see <see cref="First"/>.</summary>
    public double? Rate { get; init; }

    /// <summary>Selects only the first N calls of each method, then lets the rest through. Null: every call (or <see cref="Rate"/>).</summary>
    public int? First { get; init; }

    /// <summary>
    /// Fails after this many response messages were streamed instead of with a Trailers-Only reply. Methods with one
    /// response message (unary, client streaming) fail before their response, as with 0.
    /// </summary>
    public int AfterMessages { get; init; }

    /// <summary>How long a selected call waits before it is answered. Default none.</summary>
    public TimeSpan Latency { get; init; }

    /// <summary>The grpc-message sent with <see cref="Status"/>.</summary>
    public string EffectiveMessage => Message ?? $"Injected fault: {Status} on {Method}.";
}
