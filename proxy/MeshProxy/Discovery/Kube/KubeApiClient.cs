using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Runtime.CompilerServices;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace MeshProxy.Discovery.Kube;

/// <summary>
/// The sidecar's client for the one API resource it reads: EndpointSlices, listed and watched (Kubernetes API concepts,
/// "Efficient detection of changes"). It is ours rather than KubernetesClient's because that package compiles a JSON
/// contract for every Kubernetes model into the executable: measured on the Native AOT build, it was two thirds of the
/// runtime's type data and 31 MiB of every sidecar's resident memory (docs/benchmarks.md, "The shipped build's resident
/// memory"), for one list and one watch. Requests are HTTP/1.1 with the settings' TLS and credentials; a watch is
/// read line by line, one JSON event per line, as the API server streams it.
/// </summary>
internal sealed class KubeApiClient : IDisposable
{
    private readonly HttpClient _http;

    public KubeApiClient(KubeApiSettings settings)
    {
        Settings = settings;

        // Lists carry their own timeout and a watch is open for minutes: no client-wide one.
        _http = new HttpClient(Handler(settings)) { BaseAddress = settings.Server, Timeout = Timeout.InfiniteTimeSpan };
    }

    public KubeApiSettings Settings { get; }

    public async Task<EndpointSliceList> ListEndpointSlicesAsync(string @namespace, string labelSelector, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(SlicesPath(@namespace, $"?labelSelector={Uri.EscapeDataString(labelSelector)}"), cancellationToken).ConfigureAwait(false);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        return await JsonSerializer.DeserializeAsync(body, KubeJsonContext.Default.EndpointSliceList, cancellationToken).ConfigureAwait(false)
            ?? throw new JsonException("The EndpointSlice list was null.");
    }

    /// <summary>
    /// Yields ADDED, MODIFIED, DELETED and BOOKMARK events until the server ends the watch, or until
    /// <see cref="WatchDeadline"/> when it does not. An ERROR event ends it with a <see cref="KubeApiException"/>
    /// carrying the server's Status (410: the resourceVersion was compacted).
    /// </summary>
    public async IAsyncEnumerable<(string Type, EndpointSlice Slice)> WatchEndpointSlicesAsync(
        string @namespace, string labelSelector, string resourceVersion, int timeoutSeconds,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var query = string.Create(CultureInfo.InvariantCulture,
            $"?watch=true&allowWatchBookmarks=true&labelSelector={Uri.EscapeDataString(labelSelector)}&resourceVersion={Uri.EscapeDataString(resourceVersion)}&timeoutSeconds={timeoutSeconds}");

        // The server ends the watch after timeoutSeconds. A connection that went half-open (a node or a load balancer
        // gone without a FIN) would leave the read waiting forever, and discovery silently stale: past the deadline
        // the watch ends here as if the server had ended it, and the watcher resumes from its resourceVersion.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(WatchDeadline(timeoutSeconds));
        using var response = await SendAsync(SlicesPath(@namespace, query), deadline.Token).ConfigureAwait(false);
        await using var stream = await response.Content.ReadAsStreamAsync(deadline.Token).ConfigureAwait(false);
        using var reader = new StreamReader(stream);
        while (true)
        {
            string? line;
            try
            {
                line = await reader.ReadLineAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                yield break;
            }

            if (line is null)
            {
                yield break;
            }

            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            var watchEvent = JsonSerializer.Deserialize(line, KubeJsonContext.Default.EndpointSliceWatchEvent)
                ?? throw new JsonException("A watch event was null.");
            if (string.Equals(watchEvent.Type, "ERROR", StringComparison.Ordinal))
            {
                var status = watchEvent.Object.Deserialize(KubeJsonContext.Default.KubeStatus);
                throw new KubeApiException(null, status, $"the watch ended with an error: {status?.Code} {status?.Reason}: {status?.Message}");
            }

            var slice = watchEvent.Object.Deserialize(KubeJsonContext.Default.EndpointSlice)
                ?? throw new JsonException($"A {watchEvent.Type} watch event carried no object.");
            yield return (watchEvent.Type ?? string.Empty, slice);
        }
    }

    public void Dispose() => _http.Dispose();

    /// <summary>How long a watch asked to last <paramref name="timeoutSeconds"/> may stay open before the client ends it: a tenth more, and at least 5 s more.</summary>
    internal static TimeSpan WatchDeadline(int timeoutSeconds) =>
        TimeSpan.FromSeconds(timeoutSeconds + Math.Max(5, timeoutSeconds / 10));

    private static SocketsHttpHandler Handler(KubeApiSettings settings)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(10),
            SslOptions = new SslClientAuthenticationOptions(),
        };
        if (settings.ClientCertificate is { } certificate)
        {
            handler.SslOptions.ClientCertificates = [certificate];
        }

        if (settings.Proxy is { } proxy)
        {
            handler.Proxy = new WebProxy(proxy);
        }

        if (settings.SkipTlsVerify)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = static (_, _, _, _) => true;
            return handler;
        }

        if (settings.Authority is { } authority)
        {
            // The cluster CA alone is trusted for this server, as client-go's rootCAs (every certificate in the file an
            // anchor); names are still checked, and nothing is fetched from the network to build the path, as for mTLS peers.
            var policy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                RevocationMode = X509RevocationMode.NoCheck,
                DisableCertificateDownloads = true,
            };
            policy.CustomTrustStore.AddRange(authority);
            handler.SslOptions.CertificateChainPolicy = policy;
        }

        if (settings.TlsServerName is { } serverName)
        {
            // SocketsHttpHandler checks the name against the address's host; tls-server-name replaces that one check.
            handler.SslOptions.RemoteCertificateValidationCallback = (_, presented, _, errors) =>
                (errors & ~SslPolicyErrors.RemoteCertificateNameMismatch) == SslPolicyErrors.None
                && presented is X509Certificate2 leaf && leaf.MatchesHostname(serverName);
        }

        return handler;
    }

    private static string SlicesPath(string @namespace, string query) =>
        $"apis/discovery.k8s.io/v1/namespaces/{Uri.EscapeDataString(@namespace)}/endpointslices{query}";

    // One GET; the response once its headers are in, or a KubeApiException with the status and the Status body.
    private async Task<HttpResponseMessage> SendAsync(string relative, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, relative);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (Settings.Credentials is { } credentials)
        {
            request.Headers.Authorization = await credentials.GetAsync(cancellationToken).ConfigureAwait(false);
        }

        var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            if (response.StatusCode == HttpStatusCode.Unauthorized)
            {
                Settings.Credentials?.Invalidate();
            }

            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            KubeStatus? status = null;
            try
            {
                status = body.Length > 0 ? JsonSerializer.Deserialize(body, KubeJsonContext.Default.KubeStatus) : null;
            }
            catch (JsonException)
            {
                // Not a Status (a proxy's error page): the HTTP status says enough.
            }

            throw new KubeApiException(response.StatusCode, status, string.Create(CultureInfo.InvariantCulture,
                $"the API server answered {(int)response.StatusCode} {response.ReasonPhrase}{(status?.Message is { Length: > 0 } message ? ": " + message : string.Empty)}"));
        }
    }
}
