namespace MeshProxy.Discovery;

/// <summary>What one lookup of a <see cref="DnsClusterWatcher"/> did (tests and tooling observe it).</summary>
/// <param name="Answer">The resolver's answer.</param>
/// <param name="Changed">True when the answer replaced the cluster's destination set.</param>
/// <param name="NextIn">The wait before the next scheduled lookup (TTL within bounds, or the failure back-off).</param>
internal sealed record DnsLookup(DnsAnswer Answer, bool Changed, TimeSpan NextIn);
