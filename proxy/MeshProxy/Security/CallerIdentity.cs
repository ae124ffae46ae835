using System.Security.Cryptography;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;

namespace MeshProxy.Security;

/// <summary>
/// The verified caller of an mTLS connection, worked out once per connection after the handshake (every call on the
/// connection shares it): its SPIFFE ID and the <c>x-forwarded-client-cert</c> value forwarded to the application.
/// </summary>
/// <param name="SpiffeId">The caller's SPIFFE ID, checked at the handshake.</param>
/// <param name="ForwardedClientCert">
/// Envoy's XFCC element for the caller: <c>By=</c> our SPIFFE ID, <c>Hash=</c> the hex SHA-256 of the caller's DER
/// certificate, <c>URI=</c> the caller's SPIFFE ID. SPIFFE IDs hold no ',', ';' or '"', so no value needs quoting.
/// </param>
internal sealed record CallerIdentity(string SpiffeId, string ForwardedClientCert)
{
    private static readonly object Key = new();

    /// <summary>The caller of the request's connection; null on cleartext or when the caller sent no certificate (permissive).</summary>
    public static CallerIdentity? Of(HttpContext context) =>
        context.Features.Get<IConnectionItemsFeature>()?.Items.TryGetValue(Key, out var value) == true ? value as CallerIdentity : null;

    /// <summary>Connection middleware placed after the TLS handshake: records the caller in the connection's items.</summary>
    public static void Record(IConnectionBuilder listen, WorkloadIdentity identity) =>
        listen.Use(next => connection =>
        {
            if (connection.Features.Get<Microsoft.AspNetCore.Http.Features.ITlsConnectionFeature>()?.ClientCertificate is { } certificate
                && Security.SpiffeId.TryRead(certificate, out var id, out _))
            {
                var by = identity.Current?.SpiffeId ?? string.Empty;
                var hash = Convert.ToHexStringLower(SHA256.HashData(certificate.RawData));
                connection.Items[Key] = new CallerIdentity(id, $"By={by};Hash={hash};URI={id}");
            }

            return next(connection);
        });
}
