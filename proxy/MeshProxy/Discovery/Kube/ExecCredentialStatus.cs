namespace MeshProxy.Discovery.Kube;

/// <summary>The credential an exec plugin returned: a bearer token, until <see cref="ExpirationTimestamp"/> when set.</summary>
internal sealed record ExecCredentialStatus
{
    public string? Token { get; init; }

    public DateTimeOffset? ExpirationTimestamp { get; init; }

    public string? ClientCertificateData { get; init; }
}
