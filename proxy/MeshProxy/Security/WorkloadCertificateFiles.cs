using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MeshProxy.Configuration;

namespace MeshProxy.Security;

/// <summary>
/// Reads the certificate, key and bundle PEM files of the <c>tls:</c> section. The three files are read before any is
/// parsed and hashed together, so an unchanged directory costs three reads; a half-written rotation (a key that does
/// not match the certificate yet) fails to parse and is retried at the next event or poll.
/// </summary>
internal static class WorkloadCertificateFiles
{
    /// <summary>The files' bytes and their hash; null with the reason when one cannot be read.</summary>
    public static (byte[] Certificate, byte[] Key, byte[] Bundle, string Hash)? Read(TlsConfig config, out string error)
    {
        error = string.Empty;
        try
        {
            var certificate = File.ReadAllBytes(config.PathOf(config.CertificateFile));
            var key = File.ReadAllBytes(config.PathOf(config.KeyFile));
            var bundle = File.ReadAllBytes(config.PathOf(config.BundleFile));
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            foreach (var part in new[] { certificate, key, bundle })
            {
                hash.AppendData(BitConverter.GetBytes(part.Length));
                hash.AppendData(part);
            }

            return (certificate, key, bundle, Convert.ToHexStringLower(hash.GetHashAndReset()));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            error = ex.Message;
            return null;
        }
    }

    /// <summary>Parses the files; null with the reason (naming the file) when they do not make a usable identity.</summary>
    public static WorkloadCredentials? Parse(TlsConfig config, (byte[] Certificate, byte[] Key, byte[] Bundle, string Hash) files, long generation, out string error)
    {
        var certificatePem = System.Text.Encoding.ASCII.GetString(files.Certificate);
        X509Certificate2 certificate;
        var chain = new X509Certificate2Collection();
        try
        {
            chain.ImportFromPem(certificatePem);
            if (chain.Count == 0)
            {
                error = $"{config.CertificateFile} holds no PEM certificate";
                return null;
            }

            certificate = X509Certificate2.CreateFromPem(certificatePem, System.Text.Encoding.ASCII.GetString(files.Key));
        }
        catch (CryptographicException ex)
        {
            error = $"{config.CertificateFile} and {config.KeyFile} do not make a certificate with its key: {ex.Message}";
            return null;
        }

        if (!SpiffeId.TryRead(certificate, out var id, out var idError))
        {
            error = $"{config.CertificateFile}: {idError}";
            return null;
        }

        var bundle = new X509Certificate2Collection();
        try
        {
            bundle.ImportFromPem(System.Text.Encoding.ASCII.GetString(files.Bundle));
        }
        catch (CryptographicException ex)
        {
            error = $"{config.BundleFile} is not a PEM bundle: {ex.Message}";
            return null;
        }

        if (bundle.Count == 0)
        {
            error = $"{config.BundleFile} holds no PEM certificate";
            return null;
        }

        var intermediates = new X509Certificate2Collection();
        for (var i = 1; i < chain.Count; i++)
        {
            intermediates.Add(chain[i]);
        }

        error = string.Empty;
        return new WorkloadCredentials(certificate, intermediates, bundle, id, files.Hash, generation);
    }
}
