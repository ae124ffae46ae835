namespace MeshProxy.Configuration;

/// <summary>
/// A cluster's slow start (<c>slowStart:</c>, Envoy's <c>slow_start_config</c> in camelCase): a destination that is new
/// to the process, back from ejection or back to health gets its weight in the picks ramped over <see cref="Window"/>,
/// weight x max(<see cref="MinWeightPercent"/>/100, (time in window / window)^(1/<see cref="Aggression"/>)), so a cold
/// backend (empty caches, JIT, connection pools) is not handed its full share at once.
/// </summary>
/// <param name="Window">How long the ramp lasts, 1s to 1h; required.</param>
/// <param name="Aggression">
/// The ramp's curve, above 0 and at most 100. Default 1 (linear); above 1 the weight rises quickly at first, below 1
/// slowly at first.
/// </param>
/// <param name="MinWeightPercent">The floor of the ramp, in percent of the full weight, 1 to 100. Default 10 (Envoy's).</param>
internal sealed record SlowStartConfig(TimeSpan Window, double Aggression, double MinWeightPercent)
{
    public const double DefaultAggression = 1.0;

    public const double DefaultMinWeightPercent = 10.0;
}
