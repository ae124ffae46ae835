using System.Collections.Frozen;

namespace MeshProxy.TrafficPolicy.Retries;

/// <summary>
/// The gRPC methods (<c>/pkg.Service/Method</c>) whose descriptors say they are safe to repeat
/// (<c>option idempotency_level = NO_SIDE_EFFECTS</c> or <c>IDEMPOTENT</c>), from the descriptor sets the sidecar
/// loads. The transcoding snapshot publishes the set whenever it loads descriptor sets; a call reads it once.
/// </summary>
internal sealed class IdempotentMethods
{
    private volatile FrozenSet<string> _methods = FrozenSet<string>.Empty;

    public bool Contains(string path) => _methods.Contains(path);

    public void Publish(FrozenSet<string> methods) => _methods = methods;
}
