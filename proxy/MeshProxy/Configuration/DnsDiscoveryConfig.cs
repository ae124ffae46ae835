namespace MeshProxy.Configuration;

/// <summary>
/// A cluster whose destinations are the addresses a DNS name resolves to (<c>dns: users-v1.shop.svc.cluster.local:50051</c>,
/// or the mapping form <c>dns: { address: HOST:PORT, minRefresh: 1s, maxRefresh: 30s }</c>): every A and AAAA record is
/// one destination on <see cref="Port"/>, as in Envoy's STRICT_DNS clusters. The name is resolved again when the
/// answer's TTL runs out (kept within <see cref="MinRefresh"/> and <see cref="MaxRefresh"/>) and, no sooner than
/// <see cref="MinRefresh"/> after the last lookup, when a destination fails to connect. A failed lookup (or one with no
/// address) keeps the last good set. Exclusive with <c>destinations</c>.
/// </summary>
/// <param name="Host">The name to resolve: a fully qualified name (a headless Service's), since search domains are not applied; an IP literal is one destination.</param>
/// <param name="Port">The destinations' port (DNS A/AAAA records carry none); 0 when the address has none and -1 when it is not a number, which the validator reports.</param>
/// <param name="MinRefresh">Lower bound of the time between lookups, whatever the TTL (a TTL of 0 included). Default 1s.</param>
/// <param name="MaxRefresh">Upper bound of the time between lookups, whatever the TTL; also the cap of the back-off after failed lookups. Default 30s.</param>
internal sealed record DnsDiscoveryConfig(string Host, int Port, TimeSpan MinRefresh, TimeSpan MaxRefresh)
{
    public static TimeSpan DefaultMinRefresh { get; } = TimeSpan.FromSeconds(1);

    public static TimeSpan DefaultMaxRefresh { get; } = TimeSpan.FromSeconds(30);

    /// <summary><c>HOST:PORT</c> as written in the config (IPv6 literals in brackets).</summary>
    public string Address => Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}
