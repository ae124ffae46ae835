using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Connections;

namespace MeshProxy.Hosting;

/// <summary>
/// The 4 KiB blocks the traffic and control servers' connections and streams read and write through, in place of
/// Kestrel's own pool, so that an idle sidecar holds none it does not use. Kestrel's pool keeps every block a burst
/// made and, once traffic stops, gives back 5 % of them (at least 10) every 10 s: after a saturating unary run that
/// was ~500 blocks, 2 MiB, still held minutes later (docs/benchmarks.md). Here the spare blocks are dropped when
/// <see cref="IdleHeapTrim"/> finds the sidecar idle, just before its collection frees them. Under traffic the pool
/// behaves like Kestrel's: blocks are pinned arrays (a socket read needs no pin) and are reused without limit.
/// </summary>
internal sealed class ConnectionBufferPool : MemoryPool<byte>, IMemoryPoolFactory<byte>
{
    public const int BlockSize = 4096;

    private readonly ConcurrentQueue<Block> _spare = new();
    private long _held;

    public override int MaxBufferSize => BlockSize;

    /// <summary>Blocks allocated and not dropped since: those in use and the <see cref="Spare"/> ones.</summary>
    public long Held => Interlocked.Read(ref _held);

    /// <summary>Blocks returned and waiting to be rented again.</summary>
    public int Spare => _spare.Count;

    /// <summary>Every transport of both servers shares this one pool.</summary>
    public MemoryPool<byte> Create(MemoryPoolOptions? options = null) => this;

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        // Kestrel and its pipes never ask for more than MaxBufferSize; a larger request is a caller's bug.
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minBufferSize, BlockSize);
        if (_spare.TryDequeue(out var block))
        {
            return block;
        }

        Interlocked.Increment(ref _held);
        return new Block(this);
    }

    /// <summary>
    /// Drops the spare blocks for the next collection to free. Blocks in use are kept and come back as usual, so a
    /// burst after a release only allocates again what it needs.
    /// </summary>
    public void ReleaseSpare()
    {
        var dropped = 0;
        while (_spare.TryDequeue(out _))
        {
            dropped++;
        }

        Interlocked.Add(ref _held, -dropped);
    }

    /// <summary>
    /// Each transport disposes the pool it was given when its server stops; the pool outlives them all, and its
    /// blocks are the GC's to free.
    /// </summary>
    protected override void Dispose(bool disposing)
    {
    }

    private sealed class Block(ConnectionBufferPool pool) : IMemoryOwner<byte>
    {
        public Memory<byte> Memory { get; } =
            MemoryMarshal.CreateFromPinnedArray(GC.AllocateUninitializedArray<byte>(BlockSize, pinned: true), 0, BlockSize);

        public void Dispose() => pool._spare.Enqueue(this);
    }
}
