namespace MeshProxy.Configuration.Reload;

/// <summary>
/// The <c>tls:</c> section sets up the mTLS listener and the certificate watcher at start, so an edit that changes it
/// is refused as a whole (as a listener change is). The certificate files themselves rotate live; clusters' <c>tls:</c>
/// blocks reload like the rest of a cluster.
/// </summary>
internal static class TlsChangeValidator
{
    public static void Validate(TlsConfig? live, TlsConfig? next, ConfigErrors errors)
    {
        if (!Equals(live, next))
        {
            errors.Add("tls", "changing the tls section needs a restart (the certificate files themselves are re-read live)");
        }
    }
}
