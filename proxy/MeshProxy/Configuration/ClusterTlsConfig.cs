namespace MeshProxy.Configuration;

/// <summary>
/// mTLS to a cluster's destinations (<c>clusters.NAME.tls:</c>): the sidecar presents the workload certificate of the
/// top-level <c>tls:</c> section, checks the server's certificate against its trust bundle and SPIFFE ID, and speaks
/// HTTP/2 through ALPN h2. Active health probes of the cluster use the same settings. A discovered destination is
/// dialled with TLS too; a fixed one must then be written https://.
/// </summary>
/// <param name="SpiffeId">The exact SPIFFE ID the server must present; null to accept any ID of <see cref="TrustDomain"/>.</param>
/// <param name="TrustDomain">The trust domain the server must belong to when <see cref="SpiffeId"/> is null; null (default) is our own.</param>
internal sealed record ClusterTlsConfig(string? SpiffeId, string? TrustDomain);
