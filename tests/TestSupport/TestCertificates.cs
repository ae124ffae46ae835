using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MeshProxy.TestSupport;

/// <summary>
/// A certificate authority made in the test (ECDSA P-256, so making one is quick): it issues SPIFFE X.509-SVIDs with
/// any URI SANs and validity, the expired, wrong-domain and two-ID variants the mTLS tests need.
/// </summary>
public sealed class TestCertificateAuthority
{
    private TestCertificateAuthority(X509Certificate2 certificate) => Certificate = certificate;

    /// <summary>The CA certificate with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The CA certificate as PEM (a trust bundle of one).</summary>
    public string Pem => Certificate.ExportCertificatePem();

    /// <summary>A self-signed root valid from a week ago for ten years.</summary>
    public static TestCertificateAuthority Create(string name = "MeshProxy Test CA")
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}, O=MeshProxy tests", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        return new TestCertificateAuthority(request.CreateSelfSigned(now.AddDays(-7), now.AddYears(10)));
    }

    /// <summary>
    /// A leaf with exactly the URI SANs given (a SPIFFE ID, or none, or two), usable for client and server auth,
    /// valid from <paramref name="notBefore"/> (default an hour ago) to <paramref name="notAfter"/> (default a day on).
    /// </summary>
    public X509Certificate2 Issue(IEnumerable<string> uris, DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=workload, O=MeshProxy tests", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        var names = new SubjectAlternativeNameBuilder();
        foreach (var uri in uris)
        {
            names.AddUri(new Uri(uri));
        }

        request.CertificateExtensions.Add(names.Build(critical: false));
        var now = DateTimeOffset.UtcNow;
        var serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7F;
        using var issued = request.Create(Certificate, notBefore ?? now.AddHours(-1), notAfter ?? now.AddDays(1), serial);
        return issued.CopyWithPrivateKey(key);
    }

    /// <summary>A server leaf for an IP address or DNS name (its only SAN), as an API server's certificate names its address.</summary>
    public X509Certificate2 IssueServer(string host)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={host}, O=MeshProxy tests", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        var names = new SubjectAlternativeNameBuilder();
        if (System.Net.IPAddress.TryParse(host, out var ip))
        {
            names.AddIpAddress(ip);
        }
        else
        {
            names.AddDnsName(host);
        }

        request.CertificateExtensions.Add(names.Build(critical: false));
        var now = DateTimeOffset.UtcNow;
        var serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7F;
        using var issued = request.Create(Certificate, now.AddHours(-1), now.AddDays(1), serial);
        return issued.CopyWithPrivateKey(key);
    }

    /// <summary>A leaf for one SPIFFE ID.</summary>
    public X509Certificate2 Issue(string spiffeId, DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null) =>
        Issue([spiffeId], notBefore, notAfter);

    /// <summary>A leaf for one SPIFFE ID whose validity ended an hour ago.</summary>
    public X509Certificate2 IssueExpired(string spiffeId) =>
        Issue([spiffeId], DateTimeOffset.UtcNow.AddDays(-2), DateTimeOffset.UtcNow.AddHours(-1));
}

/// <summary>
/// Writes workload certificate directories the way the issuers do: plain files replaced by rename (spiffe-helper),
/// or Kubernetes' atomic writer layout (<c>tls.crt -> ..data/tls.crt</c>, <c>..data -> ..TIMESTAMP</c>, updated by
/// renaming a new <c>..data_tmp</c> symlink over <c>..data</c>), as a Secret or CSI volume is.
/// </summary>
public static class TestCertificates
{
    /// <summary>The certificate as PEM.</summary>
    public static string CertificatePem(X509Certificate2 certificate) => certificate.ExportCertificatePem();

    /// <summary>The private key as PKCS#8 PEM.</summary>
    public static string KeyPem(X509Certificate2 certificate) =>
        (certificate.GetECDsaPrivateKey() ?? throw new ArgumentException("The certificate has no ECDSA private key.", nameof(certificate))).ExportPkcs8PrivateKeyPem();

    /// <summary>Writes certificate, key and bundle as plain files, each through a temporary file renamed into place.</summary>
    public static void WriteFiles(string directory, X509Certificate2 certificate, string bundlePem,
        string certificateFile = "tls.crt", string keyFile = "tls.key", string bundleFile = "ca.crt")
    {
        Directory.CreateDirectory(directory);
        WriteAtomically(Path.Combine(directory, keyFile), KeyPem(certificate));
        WriteAtomically(Path.Combine(directory, certificateFile), CertificatePem(certificate));
        WriteAtomically(Path.Combine(directory, bundleFile), bundlePem);
    }

    /// <summary>
    /// Writes a new generation in Kubernetes' atomic writer layout and swaps it in with one rename of the
    /// <c>..data</c> symlink, so a reader sees either every old file or every new one.
    /// </summary>
    public static void WriteKubernetesVolume(string directory, X509Certificate2 certificate, string bundlePem)
    {
        Directory.CreateDirectory(directory);
        var generation = $"..{DateTime.UtcNow:yyyy_MM_dd_HH_mm_ss.fffffff}_{Guid.NewGuid():N}";
        var target = Path.Combine(directory, generation);
        Directory.CreateDirectory(target);
        File.WriteAllText(Path.Combine(target, "tls.crt"), CertificatePem(certificate));
        File.WriteAllText(Path.Combine(target, "tls.key"), KeyPem(certificate));
        File.WriteAllText(Path.Combine(target, "ca.crt"), bundlePem);

        var temporary = Path.Combine(directory, "..data_tmp");
        File.CreateSymbolicLink(temporary, generation);
        Rename(temporary, Path.Combine(directory, "..data"));
        foreach (var file in new[] { "tls.crt", "tls.key", "ca.crt" })
        {
            var link = Path.Combine(directory, file);
            if (!File.Exists(link))
            {
                File.CreateSymbolicLink(link, Path.Combine("..data", file));
            }
        }
    }

    private static void WriteAtomically(string path, string content)
    {
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, content);
        File.Move(temporary, path, overwrite: true);
    }

    // rename(2) replaces the ..data symlink atomically; File.Move would follow it to the directory it points at.
    private static void Rename(string from, string to)
    {
        if (Rename(from, to, out var error) != 0)
        {
            throw new IOException($"rename {from} -> {to} failed: errno {error}");
        }
    }

    private static int Rename(string from, string to, out int error)
    {
        var result = NativeRename(from, to);
        error = result == 0 ? 0 : Marshal.GetLastPInvokeError();
        return result;
    }

    [DllImport("libc", EntryPoint = "rename", SetLastError = true)]
    private static extern int NativeRename([MarshalAs(UnmanagedType.LPUTF8Str)] string from, [MarshalAs(UnmanagedType.LPUTF8Str)] string to);
}
