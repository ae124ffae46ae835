namespace MeshProxy.Discovery.Kube;

/// <summary>The sidecar cannot say how to reach the API server: no configuration, a kubeconfig it cannot use, or a credential it cannot get.</summary>
internal sealed class KubeconfigException : Exception
{
    public KubeconfigException(string message)
        : base(message)
    {
    }

    public KubeconfigException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
