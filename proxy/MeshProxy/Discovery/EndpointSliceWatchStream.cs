using System.Globalization;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace MeshProxy.Discovery;

/// <summary>
/// One watch request for a Service's EndpointSlices: <c>GET /apis/discovery.k8s.io/v1/namespaces/NS/endpointslices?watch=true</c>,
/// read as the API server sends it, one JSON event per line. KubernetesClient.Aot (the trim- and AOT-safe client we
/// use for its kubeconfig, service-account credentials and lists) has no watch helper, so the request goes through its
/// configured <see cref="Kubernetes.HttpClient"/> and credentials, and the lines are parsed by our source-generated
/// <see cref="DiscoveryJsonContext"/>.
/// </summary>
internal static class EndpointSliceWatchStream
{
    /// <summary>
    /// Yields ADDED, MODIFIED, DELETED and BOOKMARK events until the server ends the watch. An ERROR event ends it with
    /// a <see cref="KubernetesException"/> carrying the server's Status (410 Gone: the resourceVersion was compacted);
    /// a failed request throws <see cref="HttpOperationException"/> with the response's status code.
    /// </summary>
    public static async IAsyncEnumerable<(string Type, V1EndpointSlice Slice)> ReadAsync(
        Kubernetes client, string @namespace, string labelSelector, string resourceVersion, int timeoutSeconds,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var path = string.Create(CultureInfo.InvariantCulture,
            $"apis/discovery.k8s.io/v1/namespaces/{Uri.EscapeDataString(@namespace)}/endpointslices?watch=true&allowWatchBookmarks=true" +
            $"&labelSelector={Uri.EscapeDataString(labelSelector)}&resourceVersion={Uri.EscapeDataString(resourceVersion)}&timeoutSeconds={timeoutSeconds}");
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(client.BaseUri, path));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (client.Credentials is { } credentials)
        {
            await credentials.ProcessHttpRequestAsync(request, cancellationToken).ConfigureAwait(false);
        }

        using var response = await client.HttpClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            throw new HttpOperationException(string.Create(CultureInfo.InvariantCulture, $"Operation returned an invalid status code '{response.StatusCode}'"))
            {
                Response = new HttpResponseMessageWrapper(response, body),
            };
        }

        using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var reader = new StreamReader(stream);
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            var watchEvent = JsonSerializer.Deserialize(line, DiscoveryJsonContext.Default.EndpointSliceWatchEvent)
                ?? throw new JsonException("A watch event was null.");
            if (string.Equals(watchEvent.Type, "ERROR", StringComparison.Ordinal))
            {
                var status = watchEvent.Object.Deserialize(DiscoveryJsonContext.Default.V1Status) ?? new V1Status();
                throw new KubernetesException(status);
            }

            var slice = watchEvent.Object.Deserialize(DiscoveryJsonContext.Default.V1EndpointSlice)
                ?? throw new JsonException($"A {watchEvent.Type} watch event carried no object.");
            yield return (watchEvent.Type ?? string.Empty, slice);
        }
    }
}
