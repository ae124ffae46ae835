using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MeshProxy.Discovery.Kube;

/// <summary>How to reach one API server: its address, the TLS to speak to it, the credentials, the default namespace.</summary>
/// <param name="Server">The API server's base address (<c>https://10.96.0.1:443</c>).</param>
/// <param name="DefaultNamespace">The namespace of the service account, or of the kubeconfig context; <c>default</c> when neither says.</param>
/// <param name="Source">Where this came from, for logs: <c>service account</c> or <c>kubeconfig PATH, context NAME</c>.</param>
internal sealed record KubeApiSettings(Uri Server, string DefaultNamespace, string Source)
{
    /// <summary>The CAs that may sign the server's certificate (the cluster CA); null for the system's trust store.</summary>
    public X509Certificate2Collection? Authority { get; init; }

    /// <summary>The kubeconfig's <c>insecure-skip-tls-verify</c>: any server certificate is accepted.</summary>
    public bool SkipTlsVerify { get; init; }

    /// <summary>The name the server's certificate must carry when it is not the address's host (<c>tls-server-name</c>).</summary>
    public string? TlsServerName { get; init; }

    /// <summary>
    /// The kubeconfig's <c>proxy-url</c> (http or socks5); null to use the environment's <c>HTTPS_PROXY</c> /
    /// <c>NO_PROXY</c>, as kubectl does.
    /// </summary>
    public Uri? Proxy { get; init; }

    /// <summary>The client certificate, with its key, the sidecar presents (kubeconfig <c>client-certificate</c> and <c>client-key</c>).</summary>
    public X509Certificate2? ClientCertificate { get; init; }

    /// <summary>Where the Authorization header comes from; null when the user has none (client certificate only, or anonymous).</summary>
    public IKubeCredentials? Credentials { get; init; }

    /// <summary>The PEM certificates in <paramref name="pem"/>; at least one, or a <see cref="KubeconfigException"/> naming <paramref name="origin"/>.</summary>
    public static X509Certificate2Collection AuthorityFrom(string pem, string origin)
    {
        var certificates = new X509Certificate2Collection();
        try
        {
            certificates.ImportFromPem(pem);
        }
        catch (CryptographicException ex)
        {
            throw new KubeconfigException($"{origin} is not a PEM certificate bundle: {ex.Message}", ex);
        }

        return certificates.Count > 0 ? certificates : throw new KubeconfigException($"{origin} holds no PEM certificate");
    }
}
