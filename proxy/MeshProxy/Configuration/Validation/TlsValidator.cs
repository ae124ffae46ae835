using System.Net;
using MeshProxy.Security;

namespace MeshProxy.Configuration.Validation;

/// <summary>
/// The <c>tls:</c> section names its directory and files, a valid trust domain, positive timings and a header name;
/// <c>listeners.mtls</c> needs it; and in strict mode the cleartext gRPC listener is loopback, so no mesh peer can
/// reach the proxy without TLS.
/// </summary>
internal sealed class TlsValidator : IConfigValidator
{
    public void Validate(MeshProxyConfig config, ConfigErrors errors)
    {
        if (config.Tls is not { } tls)
        {
            if (config.Listeners.Mtls is not null)
            {
                errors.Add("listeners.mtls", "needs the top-level 'tls:' section (the certificate the listener presents)");
            }

            return;
        }

        if (tls.Directory.Length == 0)
        {
            errors.Add("tls.directory", "is required (the mounted directory with the certificate, key and trust bundle)");
        }

        foreach (var (key, file) in new[] { ("certificateFile", tls.CertificateFile), ("keyFile", tls.KeyFile), ("bundleFile", tls.BundleFile) })
        {
            if (file.Length == 0)
            {
                errors.Add($"tls.{key}", "must not be empty");
            }
        }

        if (tls.TrustDomain is { } domain && !SpiffeId.IsValidTrustDomain(domain, out var reason))
        {
            errors.Add("tls.trustDomain", $"'{domain}' is not a trust domain: {reason}");
        }

        if (tls.PollInterval <= TimeSpan.Zero)
        {
            errors.Add("tls.pollInterval", "must be above 0s (the backstop for missed file events)");
        }

        if (tls.ExpiryWarning < TimeSpan.Zero)
        {
            errors.Add("tls.expiryWarning", "must not be negative");
        }

        if (tls.ForwardClientCertHeader.Length == 0 || tls.ForwardClientCertHeader.AsSpan().ContainsAnyExcept(HeaderNameCharacters))
        {
            errors.Add("tls.forwardClientCertHeader", $"'{tls.ForwardClientCertHeader}' is not a lower-case header name");
        }

        if (tls.Mode == TlsMode.Strict && IPAddress.TryParse(config.Listeners.Grpc.Address, out var grpc) && !IPAddress.IsLoopback(grpc))
        {
            errors.Add("listeners.grpc.address", $"'{config.Listeners.Grpc.Address}' is not loopback: with tls.mode strict the cleartext gRPC listener serves only the local application (127.0.0.1 or ::1); use tls.mode permissive to keep it open during a migration");
        }
    }

    private static readonly System.Buffers.SearchValues<char> HeaderNameCharacters =
        System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789-_.");
}
