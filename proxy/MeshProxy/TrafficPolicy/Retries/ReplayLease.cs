namespace MeshProxy.TrafficPolicy.Retries;

/// <summary>A hold on the replay buffer while one retry sends it; the buffer goes back to the pool only after every lease.</summary>
internal sealed class ReplayLease(ReplayBody owner, byte[]? buffer, int length) : IDisposable
{
    private int _disposed;

    public ReadOnlyMemory<byte> Body { get; } = buffer is null ? ReadOnlyMemory<byte>.Empty : buffer.AsMemory(0, length);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            owner.ReturnLease();
        }
    }
}
