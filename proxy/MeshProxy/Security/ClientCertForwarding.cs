using Microsoft.AspNetCore.Http;

namespace MeshProxy.Security;

/// <summary>
/// Identity forwarding (Envoy's SANITIZE_SET): the caller's own forwarded-client-cert header is always removed, on
/// every listener and with or without TLS, so nobody can claim an identity by writing a header; then a caller
/// verified by the mTLS listener is written into it for the local application.
/// </summary>
internal static class ClientCertForwarding
{
    public static void Apply(HttpContext context, string header)
    {
        var headers = context.Request.Headers;
        headers.Remove(header);
        if (CallerIdentity.Of(context) is { } caller)
        {
            headers[header] = caller.ForwardedClientCert;
        }
    }
}
