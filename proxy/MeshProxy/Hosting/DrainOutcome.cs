namespace MeshProxy.Hosting;

/// <summary>How a drain ended.</summary>
/// <param name="Trigger">What started it.</param>
/// <param name="DeadlineReached">True when calls were still running at the deadline and were cancelled.</param>
/// <param name="Elapsed">From the start of the drain (readiness 503) to the listeners' final stop.</param>
internal sealed record DrainOutcome(DrainTrigger Trigger, bool DeadlineReached, TimeSpan Elapsed);
