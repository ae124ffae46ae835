using System.Net.Http.Headers;

namespace MeshProxy.Discovery.Kube;

/// <summary>Where the API server's <c>Authorization</c> header comes from: a kubeconfig user or the pod's service account.</summary>
internal interface IKubeCredentials
{
    /// <summary>The header for the next request; throws <see cref="KubeconfigException"/> when none can be had.</summary>
    ValueTask<AuthenticationHeaderValue> GetAsync(CancellationToken cancellationToken);

    /// <summary>The API server answered 401: the next <see cref="GetAsync"/> fetches a fresh credential instead of the cached one.</summary>
    void Invalidate();
}
