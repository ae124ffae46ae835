namespace MeshProxy.Configuration;

/// <summary>
/// The workload identity (top-level <c>tls:</c>): the certificate, key and trust bundle that a SPIFFE agent
/// (spiffe-helper, cert-manager csi-driver-spiffe, Istio's agent) or a cert-manager Secret keeps in one mounted
/// directory, and how the inbound mTLS listener (<c>listeners.mtls</c>) uses them. The files are watched and re-read
/// on every change (docs/security.md); the section itself is fixed at start, so editing it needs a restart.
/// </summary>
/// <param name="Directory">The mounted directory holding the three PEM files. Required.</param>
/// <param name="CertificateFile">
/// The workload certificate (PEM; the leaf first, then any intermediates), relative to <see cref="Directory"/>.
/// Default <c>tls.crt</c> (cert-manager and csi-driver-spiffe); SPIRE's spiffe-helper writes <c>svid.pem</c>.
/// </param>
/// <param name="KeyFile">The private key of the leaf (PEM, PKCS#8, PKCS#1 or SEC1). Default <c>tls.key</c> (spiffe-helper: <c>svid_key.pem</c>).</param>
/// <param name="BundleFile">The trust bundle: the CA certificates peers must chain to (PEM). Default <c>ca.crt</c> (spiffe-helper: <c>bundle.pem</c>).</param>
/// <param name="Mode">
/// <see cref="TlsMode.Strict"/> (default): callers on the mTLS listener must present a certificate, and the
/// cleartext gRPC listener must be loopback (it serves only the local application). <see cref="TlsMode.Permissive"/>:
/// during a migration the cleartext gRPC listener may stay open to the network and a TLS caller may come without a
/// certificate (no identity); a certificate that is presented is still checked in full.
/// </param>
internal sealed record TlsConfig(string Directory, string CertificateFile, string KeyFile, string BundleFile, TlsMode Mode)
{
    public const string DefaultCertificateFile = "tls.crt";
    public const string DefaultKeyFile = "tls.key";
    public const string DefaultBundleFile = "ca.crt";
    public const string DefaultForwardClientCertHeader = "x-forwarded-client-cert";

    /// <summary>
    /// The trust domain callers must belong to; null (default) takes the trust domain of our own certificate (a SPIFFE
    /// bundle vouches for one trust domain).
    /// </summary>
    public string? TrustDomain { get; init; }

    /// <summary>How often the files are re-read regardless of file-system events (default 5s), the backstop for missed events.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>A certificate with less than this left is logged as about to expire at each check (default 1h).</summary>
    public TimeSpan ExpiryWarning { get; init; } = TimeSpan.FromHours(1);

    /// <summary>
    /// The header that carries the verified caller to the local application, in Envoy's x-forwarded-client-cert
    /// format (default <c>x-forwarded-client-cert</c>). A caller's own copy is always removed, on every listener.
    /// </summary>
    public string ForwardClientCertHeader { get; init; } = DefaultForwardClientCertHeader;

    /// <summary>The full path of a file of the section.</summary>
    public string PathOf(string file) => System.IO.Path.Combine(Directory, file);
}

/// <summary>Whether the mTLS listener requires a client certificate (<c>tls.mode</c>).</summary>
internal enum TlsMode
{
    Strict,
    Permissive,
}
