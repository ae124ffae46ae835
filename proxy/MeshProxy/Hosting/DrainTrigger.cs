namespace MeshProxy.Hosting;

/// <summary>What started a drain.</summary>
internal enum DrainTrigger
{
    /// <summary>SIGTERM (the kubelet stopping the pod) or SIGINT.</summary>
    Signal,

    /// <summary><c>POST /drain</c> on the admin listener: the reply waits for the drain's outcome.</summary>
    DrainEndpoint,

    /// <summary><c>POST /quitquitquit</c> on the admin listener: the reply is immediate.</summary>
    QuitEndpoint,
}
