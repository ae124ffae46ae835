using System.Net.Http.Headers;

namespace MeshProxy.Discovery.Kube;

/// <summary>
/// A bearer token read from a file: the pod's projected service-account token, or a kubeconfig user's
/// <c>tokenFile</c>. The kubelet rotates projected tokens (hourly by default) by replacing the file, so the file is
/// read again once a minute, as client-go does, and at once after a 401.
/// </summary>
internal sealed class TokenFileCredentials(string path, TimeProvider time) : IKubeCredentials
{
    public static readonly TimeSpan RereadAfter = TimeSpan.FromMinutes(1);

    private readonly Lock _lock = new();
    private AuthenticationHeaderValue? _header;
    private long _readAt;

    public string Path => path;

    public ValueTask<AuthenticationHeaderValue> GetAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_header is null || time.GetElapsedTime(_readAt) >= RereadAfter)
            {
                _header = Read();
                _readAt = time.GetTimestamp();
            }

            return ValueTask.FromResult(_header);
        }
    }

    public void Invalidate()
    {
        lock (_lock)
        {
            _header = null;
        }
    }

    private AuthenticationHeaderValue Read()
    {
        string token;
        try
        {
            token = File.ReadAllText(path).Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new KubeconfigException($"cannot read the token file {path}: {ex.Message}", ex);
        }

        return token.Length > 0
            ? new AuthenticationHeaderValue("Bearer", token)
            : throw new KubeconfigException($"the token file {path} is empty");
    }
}
