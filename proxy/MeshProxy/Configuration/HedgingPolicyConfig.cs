namespace MeshProxy.Configuration;

/// <summary>
/// A route's hedging policy (<c>hedging:</c>, gRFC A6 "Hedging Policy"): for a method that is safe to repeat (marked
/// <c>idempotency_level</c> in the descriptor sets, or the route's <c>idempotent: true</c>), another try goes to another
/// destination every <paramref name="Delay"/> while none has answered; the first reply wins and the others are
/// cancelled. A route's other methods keep its <c>retry:</c> policy.
/// </summary>
/// <param name="MaxAttempts">Tries in all, the first included, 2 to 10.</param>
/// <param name="Delay">Wait before each further try; 0s sends them all at once. Default 50ms.</param>
/// <param name="NonFatalOn">
/// Trailers-Only statuses (retryOn status names) after which the next try is sent at once instead of the reply going
/// to the caller. Default <c>[unavailable]</c>. A transport failure of one try is never fatal while others run.
/// </param>
internal sealed record HedgingPolicyConfig(int MaxAttempts, TimeSpan Delay, EquatableArray<string> NonFatalOn)
{
    public static TimeSpan DefaultDelay { get; } = TimeSpan.FromMilliseconds(50);

    public static EquatableArray<string> DefaultNonFatalOn { get; } = new(["unavailable"]);
}
