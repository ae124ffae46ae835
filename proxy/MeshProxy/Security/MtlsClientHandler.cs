using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using MeshProxy.Configuration;
using MeshProxy.Observability;

namespace MeshProxy.Security;

/// <summary>
/// The client side of mTLS for a cluster (its proxied calls and its health probes): a <see cref="SocketsHttpHandler"/>
/// that presents the workload certificate, checks the server against the bundle and the cluster's expected SPIFFE ID
/// or trust domain (<see cref="PeerCertificateValidator"/>), and negotiates h2 through ALPN.
/// </summary>
/// <remarks>
/// SocketsHttpHandler fixes its TLS options when it first connects, so each credentials generation gets its own
/// handler: after a rotation the next call makes one with the new certificate and bundle, and new connections come
/// from it. The previous handler is no longer used for new calls, but nothing disposes it: its open connections
/// carry their streams to the end and then close as idle (PooledConnectionIdleTimeout), after which it is garbage.
/// Destinations that discovery reports as http://host:port are dialled as https:// here, since the cluster asks for TLS.
/// </remarks>
internal sealed class MtlsClientHandler : HttpMessageHandler
{
    private readonly WorkloadIdentity _identity;
    private readonly ClusterTlsConfig _config;
    private readonly string _cluster;
    private readonly Func<SocketsHttpHandler> _create;
    private readonly Lock _lock = new();
    private volatile Generation? _current;
    private bool _disposed;

    /// <param name="identity">The workload credentials presented and trusted.</param>
    /// <param name="config">The cluster's expected server identity.</param>
    /// <param name="cluster">The cluster's name, for logs.</param>
    /// <param name="create">Makes the plain handler of the cluster (or its probes); TLS options are set on it here.</param>
    public MtlsClientHandler(WorkloadIdentity identity, ClusterTlsConfig config, string cluster, Func<SocketsHttpHandler> create)
    {
        _identity = identity;
        _config = config;
        _cluster = cluster;
        _create = create;
    }

    /// <summary>The credentials generation new connections are made with; 0 before the first call.</summary>
    public long CurrentGeneration => _current?.Number ?? 0;

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var invoker = Invoker();
        if (request.RequestUri is { Scheme: "http" } uri)
        {
            request.RequestUri = new UriBuilder(uri) { Scheme = Uri.UriSchemeHttps, Port = uri.Port }.Uri;
        }

        return invoker.SendAsync(request, cancellationToken);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            lock (_lock)
            {
                _disposed = true;
                _current?.Invoker.Dispose();
            }
        }

        base.Dispose(disposing);
    }

    private HttpMessageInvoker Invoker()
    {
        var credentials = _identity.Current ?? throw new HttpRequestException($"cluster {_cluster} asks for TLS but no workload certificate is loaded");
        if (_current is { } current && current.Number == credentials.Generation)
        {
            return current.Invoker;
        }

        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_current is not { } existing || existing.Number != credentials.Generation)
            {
                var handler = _create();
                handler.SslOptions = ClientOptions(credentials);
                existing = new Generation(credentials.Generation, new HttpMessageInvoker(handler, disposeHandler: true));
                _current = existing;
            }

            return existing.Invoker;
        }
    }

    private SslClientAuthenticationOptions ClientOptions(WorkloadCredentials credentials)
    {
        var trustDomain = _config.TrustDomain ?? credentials.TrustDomain;
        return new SslClientAuthenticationOptions
        {
            ClientCertificateContext = credentials.CertificateContext,
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            ApplicationProtocols = [SslApplicationProtocol.Http2],
            CertificateChainPolicy = credentials.ChainPolicy,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            RemoteCertificateValidationCallback = (sender, certificate, chain, errors) =>
            {
                // SPIFFE identifies servers by their ID, not by DNS names: a host-name mismatch is not an error.
                var reason = PeerCertificateValidator.Check(certificate, chain, errors & ~SslPolicyErrors.RemoteCertificateNameMismatch, _config.SpiffeId, trustDomain, out _);
                if (reason is null)
                {
                    return true;
                }

                TlsLog.ServerCertificateRefused(_identity.Logger, _cluster, (sender as SslStream)?.TargetHostName ?? string.Empty, reason);
                return false;
            },
        };
    }

    private sealed record Generation(long Number, HttpMessageInvoker Invoker);
}
