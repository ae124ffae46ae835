using MeshProxy.Configuration;

namespace MeshProxy.TrafficPolicy;

/// <summary>
/// A cluster's slow start (Envoy's <c>slow_start_config</c>): the share of the picks of a destination that is new, back
/// from ejection or back to health rises over <c>slowStart.window</c> from <c>minWeightPercent</c> to its full weight,
/// as weight x max(minWeightPercent / 100, (time in window / window)^(1 / aggression)).
/// </summary>
/// <remarks>
/// The window starts on the destination's warm-up clock (<see cref="DestinationState.WarmupStarted"/>), the one that
/// shields it from our own timeouts: both begin when a cluster first adopts the destination, when its ejection ends
/// and when active health returns it. Reading it costs one timestamp per pick and allocates nothing.
/// </remarks>
internal sealed class SlowStartRamp(SlowStartConfig config, TimeProvider time)
{
    private readonly long _windowTicks = (long)(config.Window.TotalSeconds * time.TimestampFrequency);
    private readonly double _exponent = 1.0 / config.Aggression;
    private readonly double _floor = config.MinWeightPercent / 100.0;

    /// <summary>The clock the picks read; one <see cref="TimeProvider.GetTimestamp"/> per pick, shared by its destinations.</summary>
    public long Now() => time.GetTimestamp();

    /// <summary>
    /// The share of its full weight <paramref name="destination"/> gets at <paramref name="now"/>: 1 past the window (or
    /// before a cluster adopted it), else the ramp, never below the floor.
    /// </summary>
    public double Factor(DestinationState destination, long now)
    {
        if (destination.WarmupStarted is not { } started)
        {
            return 1.0;
        }

        var elapsed = now - started;
        if (elapsed >= _windowTicks)
        {
            return 1.0;
        }

        var progress = elapsed <= 0 ? 0.0 : (double)elapsed / _windowTicks;
        return Math.Max(_floor, _exponent == 1.0 ? progress : Math.Pow(progress, _exponent));
    }

    /// <summary>
    /// Calls in flight weighed by the ramp, (in flight + 1) / factor (Envoy's least-request rule with unequal weights and
    /// an active-request bias of 1): a destination at 10 % of its weight looks as loaded as ten calls more.
    /// </summary>
    public double WeightedLoad(DestinationState destination, long now) => (destination.InFlight + 1) / Factor(destination, now);
}
