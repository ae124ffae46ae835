namespace MeshProxy.Discovery.Kube;

/// <summary>
/// What a kubeconfig <c>exec</c> credential plugin prints (<c>client.authentication.k8s.io</c> v1 or v1beta1
/// <c>ExecCredential</c>); only its status is read.
/// </summary>
internal sealed record ExecCredential
{
    public ExecCredentialStatus? Status { get; init; }
}
