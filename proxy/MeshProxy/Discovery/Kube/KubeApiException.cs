using System.Net;

namespace MeshProxy.Discovery.Kube;

/// <summary>
/// The API server refused a request (its HTTP status and the <c>Status</c> it sent), or a watch ended with an ERROR
/// event (no HTTP status; the Status's code, e.g. 410 when the resourceVersion was compacted away).
/// </summary>
internal sealed class KubeApiException(HttpStatusCode? statusCode, KubeStatus? status, string message) : Exception(message)
{
    public HttpStatusCode? StatusCode => statusCode;

    public KubeStatus? Status => status;

    /// <summary>410 Gone, from the request or from the watch: the watcher must list again.</summary>
    public bool IsGone => statusCode == HttpStatusCode.Gone || status?.Code == (int)HttpStatusCode.Gone;
}
