namespace MeshProxy.Configuration;

/// <summary>
/// A route's local rate limit (<c>rateLimit:</c>), a token bucket in the shape of Envoy's local rate limit filter
/// (<c>token_bucket { max_tokens, tokens_per_fill, fill_interval }</c>): each call takes a token, a call that finds the
/// bucket empty is refused with RESOURCE_EXHAUSTED (429 over REST). Local: each sidecar counts its own calls.
/// </summary>
/// <param name="MaxTokens">The bucket's size, the burst allowed after a quiet spell, at least 1. Required.</param>
/// <param name="TokensPerFill">Tokens added every <paramref name="FillInterval"/>, at least 1. Default <paramref name="MaxTokens"/>.</param>
/// <param name="FillInterval">How often the bucket is topped up, 50ms or more (Envoy's minimum). Default 1s.</param>
/// <remarks>
/// So <c>{ maxTokens: 100 }</c> is "100 calls a second, all at once if they come at once", and
/// <c>{ maxTokens: 20, tokensPerFill: 5, fillInterval: 100ms }</c> is 50 calls a second with bursts of 20.
/// </remarks>
internal sealed record RateLimitConfig(int MaxTokens, int TokensPerFill, TimeSpan FillInterval)
{
    public static TimeSpan DefaultFillInterval { get; } = TimeSpan.FromSeconds(1);

    public static TimeSpan MinFillInterval { get; } = TimeSpan.FromMilliseconds(50);
}
