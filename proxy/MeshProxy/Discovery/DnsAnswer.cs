using System.Net;

namespace MeshProxy.Discovery;

/// <summary>The outcome of one lookup of a name: its addresses and the smallest TTL among them, or why it failed.</summary>
/// <param name="Addresses">Every A and AAAA address, sorted (IPv4 first) so that equal answers compare equal; empty on failure.</param>
/// <param name="Ttl">The smallest record TTL; null for an IP literal or a failure.</param>
/// <param name="Error">Why the lookup failed (timeout, SERVFAIL, no such name, no address); null on success.</param>
internal sealed record DnsAnswer(IReadOnlyList<IPAddress> Addresses, TimeSpan? Ttl, string? Error)
{
    public bool Succeeded => Error is null;

    public static DnsAnswer Failed(string error) => new([], null, error);
}
