using MeshProxy.IO;
using MeshProxy.TestSupport;

namespace MeshProxy.Tests.IO;

public sealed class WriteBehindStreamTests
{
    [Fact]
    public async Task WriteAsync_InnerWriteStillQueued_ReturnsAtOnceAndSendsACopy()
    {
        var inner = new GatedStream();
        var stream = new WriteBehindStream(inner);
        var buffer = new byte[] { 1, 2, 3 };

        var write = stream.WriteAsync(buffer);
        Assert.True(write.IsCompletedSuccessfully);

        // The copy loop reuses its buffer at once: what was sent must not change with it.
        buffer[0] = 9;
        inner.Release();
        await stream.DrainAsync().DefaultTimeout();

        Assert.Equal([1, 2, 3], inner.Written.ToArray());
    }

    [Fact]
    public async Task WriteAsync_PreviousWriteStillQueued_WaitsForIt()
    {
        var inner = new GatedStream();
        var stream = new WriteBehindStream(inner);
        await stream.WriteAsync(new byte[] { 1 }).DefaultTimeout();

        var second = stream.WriteAsync(new byte[] { 2 }).AsTask();
        Assert.False(second.IsCompleted);

        inner.Release();
        await second.DefaultTimeout();
        inner.Release();
        await stream.DrainAsync().DefaultTimeout();
        Assert.Equal([1, 2], inner.Written.ToArray());
    }

    [Fact]
    public async Task FlushAsync_AfterQueuedWrite_FlushesOnlyOnceTheWriteIsDone()
    {
        var inner = new GatedStream();
        var stream = new WriteBehindStream(inner);
        await stream.WriteAsync(new byte[] { 1 }).DefaultTimeout();

        await stream.FlushAsync().DefaultTimeout();
        Assert.Equal(0, inner.Flushes);

        inner.Release();
        await stream.DrainAsync().DefaultTimeout();
        Assert.Equal(1, inner.Flushes);
    }

    [Fact]
    public async Task WriteAsync_QueuedWriteFailed_FailureSurfacesAtTheNextWrite()
    {
        var inner = new GatedStream();
        var stream = new WriteBehindStream(inner);
        await stream.WriteAsync(new byte[] { 1 }).DefaultTimeout();

        inner.Fail(new IOException("upstream reset"));

        var ex = await Assert.ThrowsAsync<IOException>(() => stream.WriteAsync(new byte[] { 2 }).AsTask().DefaultTimeout());
        Assert.Equal("upstream reset", ex.Message);
    }

    [Fact]
    public async Task DrainAsync_QueuedWriteFailed_Throws()
    {
        var inner = new GatedStream();
        var stream = new WriteBehindStream(inner);
        await stream.WriteAsync(new byte[] { 1 }).DefaultTimeout();

        inner.Fail(new IOException("upstream reset"));

        await Assert.ThrowsAsync<IOException>(() => stream.DrainAsync().DefaultTimeout());
    }

    /// <summary>An upstream whose writes complete only when the test says (an HTTP/2 write waiting for the connection's writer).</summary>
    private sealed class GatedStream : Stream
    {
        private TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public MemoryStream Written { get; } = new();

        public int Flushes { get; private set; }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public void Release() => Interlocked.Exchange(ref _gate, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).SetResult();

        public void Fail(Exception ex) => _gate.SetException(ex);

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await _gate.Task.ConfigureAwait(false);
            Written.Write(buffer.Span);
        }

        public override Task FlushAsync(CancellationToken cancellationToken)
        {
            Flushes++;
            return Task.CompletedTask;
        }

        public override void Flush() => Flushes++;

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
