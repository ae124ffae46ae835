using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace MeshProxy.Security;

/// <summary>
/// One immutable generation of the workload's credentials: its certificate with key and intermediates, the trust
/// bundle, and what handshakes derive from them once (the certificate context sent to peers, the chain policy peers
/// are checked with). A rotation builds a new generation and swaps it in (<see cref="WorkloadIdentity"/>); handshakes
/// read the current one, and a connection keeps the generation it was made with.
/// </summary>
internal sealed class WorkloadCredentials
{
    public WorkloadCredentials(
        X509Certificate2 certificate,
        X509Certificate2Collection intermediates,
        X509Certificate2Collection bundle,
        string spiffeId,
        string contentHash,
        long generation)
    {
        Certificate = certificate;
        Intermediates = intermediates;
        Bundle = bundle;
        SpiffeId = spiffeId;
        TrustDomain = Security.SpiffeId.TrustDomain(spiffeId);
        ContentHash = contentHash;
        Generation = generation;

        // offline: the chain sent to peers is built from what the files hold, never fetched (AIA) from the network.
        CertificateContext = SslStreamCertificateContext.Create(certificate, intermediates, offline: true);

        // Peers are checked against the bundle alone: no system roots, no downloads, no revocation (SPIFFE SVIDs
        // are short-lived and carry no CRL or OCSP pointers). SslStream clones the policy per handshake.
        ChainPolicy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            RevocationMode = X509RevocationMode.NoCheck,
            DisableCertificateDownloads = true,
        };
        foreach (var ca in bundle)
        {
            // Self-signed CAs anchor trust; an intermediate in the bundle only helps to build the path.
            (ca.SubjectName.RawData.AsSpan().SequenceEqual(ca.IssuerName.RawData) ? ChainPolicy.CustomTrustStore : ChainPolicy.ExtraStore).Add(ca);
        }
    }

    /// <summary>The workload certificate with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The certificates after the leaf in the certificate file, sent to peers with it.</summary>
    public X509Certificate2Collection Intermediates { get; }

    /// <summary>The CA certificates of the trust bundle.</summary>
    public X509Certificate2Collection Bundle { get; }

    /// <summary>Our SPIFFE ID (the certificate's single SPIFFE URI SAN).</summary>
    public string SpiffeId { get; }

    /// <summary>The trust domain of <see cref="SpiffeId"/>.</summary>
    public string TrustDomain { get; }

    /// <summary>SHA-256 of the three files' bytes: an unchanged content is not reloaded.</summary>
    public string ContentHash { get; }

    /// <summary>Counts loads from 1; a client made for one generation is replaced when it changes.</summary>
    public long Generation { get; }

    /// <summary>The certificate and its intermediates as handshakes send them.</summary>
    public SslStreamCertificateContext CertificateContext { get; }

    /// <summary>The chain policy a peer's certificate is built with: the bundle as the only roots.</summary>
    public X509ChainPolicy ChainPolicy { get; }

    public DateTimeOffset NotAfter => Certificate.NotAfter.ToUniversalTime();

    /// <summary>When the first CA of the bundle expires.</summary>
    public DateTimeOffset BundleNotAfter => Bundle.Min(c => new DateTimeOffset(c.NotAfter.ToUniversalTime()));
}
