using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using MeshProxy.Configuration;
using MeshProxy.Observability;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace MeshProxy.Security;

/// <summary>
/// Turns a Kestrel listener into the inbound mTLS listener (<c>listeners.mtls</c>): TLS 1.2/1.3 with ALPN h2, the
/// workload certificate of the moment, and the caller's certificate checked at the handshake against the bundle and
/// the SPIFFE rules (<see cref="PeerCertificateValidator"/>). The options are made per handshake from
/// <see cref="WorkloadIdentity.Current"/> (Kestrel's per-connection callback rather than a fixed certificate), so a
/// rotated certificate or bundle applies to the next handshake while open connections and their streams go on.
/// </summary>
internal static class MtlsListener
{
    public static void Configure(ListenOptions listen, WorkloadIdentity identity)
    {
        listen.UseHttps(new TlsHandshakeCallbackOptions
        {
            OnConnection = _ => ValueTask.FromResult(ServerOptions(identity)),
            HandshakeTimeout = TimeSpan.FromSeconds(10),
        });
        CallerIdentity.Record(listen, identity);
    }

    private static SslServerAuthenticationOptions ServerOptions(WorkloadIdentity identity)
    {
        var credentials = identity.Current ?? throw new InvalidOperationException("The mTLS listener runs only with a loaded workload certificate.");
        var config = identity.Config!;
        var trustDomain = config.TrustDomain ?? credentials.TrustDomain;
        var permissive = config.Mode == TlsMode.Permissive;
        return new SslServerAuthenticationOptions
        {
            ServerCertificateContext = credentials.CertificateContext,
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            ApplicationProtocols = [SslApplicationProtocol.Http2],

            // Always asked for; only permissive mode lets a caller without one in (it then has no identity).
            ClientCertificateRequired = true,
            CertificateChainPolicy = credentials.ChainPolicy,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
            {
                if (permissive && certificate is null)
                {
                    return true;
                }

                var reason = PeerCertificateValidator.Check(certificate, chain, errors, expectedId: null, trustDomain, out string? _);
                if (reason is null)
                {
                    return true;
                }

                TlsLog.ClientCertificateRefused(identity.Logger, reason);
                return false;
            },
        };
    }
}
