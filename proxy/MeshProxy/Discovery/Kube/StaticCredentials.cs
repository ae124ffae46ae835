using System.Net.Http.Headers;
using System.Text;

namespace MeshProxy.Discovery.Kube;

/// <summary>A kubeconfig user's <c>token</c>, or its <c>username</c> and <c>password</c>: the same header every time.</summary>
internal sealed class StaticCredentials(AuthenticationHeaderValue header) : IKubeCredentials
{
    public static StaticCredentials Bearer(string token) => new(new AuthenticationHeaderValue("Bearer", token));

    public static StaticCredentials Basic(string username, string password) =>
        new(new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(username + ":" + password))));

    public ValueTask<AuthenticationHeaderValue> GetAsync(CancellationToken cancellationToken) => ValueTask.FromResult(header);

    public void Invalidate()
    {
        // Nothing to refresh: a rejected static token stays rejected, and the watcher's back-off paces the retries.
    }
}
