using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace MeshProxy.Security;

/// <summary>
/// The SPIFFE X.509-SVID rules a peer's certificate must meet (SPIFFE X509-SVID.md §5), on top of the chain SslStream
/// built with <see cref="WorkloadCredentials.ChainPolicy"/> (the bundle as the only roots, validity checked at the
/// handshake's time): it is present, chains to the bundle, is within its validity, carries exactly one SPIFFE ID,
/// and that ID is the expected one or in the expected trust domain. Host names play no part (SPIFFE does not use them).
/// </summary>
internal static class PeerCertificateValidator
{
    /// <summary>Null when the peer passes; otherwise why it is refused.</summary>
    /// <param name="certificate">The peer's certificate as SslStream received it; null when it sent none.</param>
    /// <param name="chain">The chain SslStream built with the bundle as its roots.</param>
    /// <param name="errors">SslStream's verdict on the chain.</param>
    /// <param name="expectedId">The exact SPIFFE ID required; null to accept any ID in <paramref name="trustDomain"/>.</param>
    /// <param name="trustDomain">The trust domain the peer must belong to when no exact ID is required.</param>
    /// <param name="id">The peer's SPIFFE ID when it passes.</param>
    public static string? Check(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors, string? expectedId, string trustDomain, out string? id)
    {
        id = null;
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            return "no certificate was presented";
        }

        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors))
        {
            var problems = chain?.ChainStatus.Where(s => s.Status != X509ChainStatusFlags.NoError)
                .Select(s => $"{s.Status} ({s.StatusInformation.Trim()})").Distinct().ToArray() ?? [];
            return $"the certificate does not chain to the trust bundle: {(problems.Length == 0 ? "chain errors" : string.Join("; ", problems))}";
        }

        var peer = certificate as X509Certificate2 ?? new X509Certificate2(certificate);
        if (!SpiffeId.TryRead(peer, out var found, out var idError))
        {
            return idError;
        }

        if (expectedId is not null ? !string.Equals(found, expectedId, StringComparison.Ordinal)
            : !string.Equals(SpiffeId.TrustDomain(found), trustDomain, StringComparison.Ordinal))
        {
            return expectedId is not null
                ? $"the SPIFFE ID is {found}, expected {expectedId}"
                : $"the SPIFFE ID {found} is not in the trust domain {trustDomain}";
        }

        id = found;
        return null;
    }
}
