namespace MeshProxy.TrafficPolicy.Retries;

/// <summary>What a <c>grpc-retry-pushback-ms</c> header asks for (see <see cref="RetryPushback"/>).</summary>
internal enum PushbackKind
{
    /// <summary>No header: the policy's backoff applies.</summary>
    None,

    /// <summary>Wait exactly the given delay.</summary>
    Delay,

    /// <summary>Negative or malformed: do not retry.</summary>
    Stop,
}
