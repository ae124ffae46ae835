using MeshProxy.Forwarding;
using MeshProxy.IO;

namespace MeshProxy.Tests.Forwarding;

/// <summary>
/// A body copy says whose side failed, which is what the call's outcome blames: the source's read, the destination's
/// write, or neither when a linked token (the caller gone, the deadline) ended it.
/// </summary>
public sealed class BodyCopyTests
{
    [Fact]
    public async Task CopyAsync_WholeSource_CopiedAndSuccess()
    {
        var bytes = Enumerable.Range(0, 200_000).Select(i => (byte)i).ToArray();
        var destination = new MemoryStream();
        var idle = StreamIdleSource.Rent(Timeout.InfiniteTimeSpan, CancellationToken.None, CancellationToken.None);

        var (result, error) = await BodyCopy.CopyAsync(new MemoryStream(bytes), destination, BodyCopy.UnknownLength, flushEachWrite: false, idle, idle.Token);
        idle.Return();

        Assert.Equal(CopyResult.Success, result);
        Assert.Null(error);
        Assert.Equal(bytes, destination.ToArray());
    }

    [Fact]
    public async Task CopyAsync_SourceFails_InputError()
    {
        var idle = StreamIdleSource.Rent(Timeout.InfiniteTimeSpan, CancellationToken.None, CancellationToken.None);

        var (result, error) = await BodyCopy.CopyAsync(new FailingStream(failReads: true), new MemoryStream(), BodyCopy.UnknownLength, flushEachWrite: false, idle, idle.Token);
        idle.Return();

        Assert.Equal(CopyResult.InputError, result);
        Assert.IsType<IOException>(error);
    }

    [Fact]
    public async Task CopyAsync_DestinationFails_OutputError()
    {
        var idle = StreamIdleSource.Rent(Timeout.InfiniteTimeSpan, CancellationToken.None, CancellationToken.None);

        var (result, error) = await BodyCopy.CopyAsync(new MemoryStream(new byte[10]), new FailingStream(failReads: false), BodyCopy.UnknownLength, flushEachWrite: false, idle, idle.Token);
        idle.Return();

        Assert.Equal(CopyResult.OutputError, result);
        Assert.IsType<IOException>(error);
    }

    [Fact]
    public async Task CopyAsync_FlushEachWrite_FlushesAfterEveryWrite()
    {
        var destination = new CountingStream();
        var idle = StreamIdleSource.Rent(Timeout.InfiniteTimeSpan, CancellationToken.None, CancellationToken.None);

        var (result, _) = await BodyCopy.CopyAsync(new MemoryStream(new byte[10]), destination, BodyCopy.UnknownLength, flushEachWrite: true, idle, idle.Token);
        idle.Return();

        Assert.Equal(CopyResult.Success, result);
        Assert.Equal(1, destination.Writes);
        Assert.Equal(1, destination.Flushes);
    }

    [Theory]
    [InlineData(9)]
    [InlineData(11)]
    public async Task CopyAsync_LengthNotAsDeclared_InputError(long declared)
    {
        var idle = StreamIdleSource.Rent(Timeout.InfiniteTimeSpan, CancellationToken.None, CancellationToken.None);

        var (result, error) = await BodyCopy.CopyAsync(new MemoryStream(new byte[10]), new MemoryStream(), declared, flushEachWrite: false, idle, idle.Token);
        idle.Return();

        Assert.Equal(CopyResult.InputError, result);
        Assert.IsType<InvalidOperationException>(error);
    }

    [Fact]
    public async Task CopyAsync_LinkedTokenCancelsAWaitingRead_Canceled()
    {
        using var caller = new CancellationTokenSource();
        var idle = StreamIdleSource.Rent(Timeout.InfiniteTimeSpan, caller.Token, CancellationToken.None);
        var source = new WaitingStream();

        var copy = BodyCopy.CopyAsync(source, new MemoryStream(), BodyCopy.UnknownLength, flushEachWrite: false, idle, idle.Token).AsTask();
        await source.Waiting.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await caller.CancelAsync();
        var (result, error) = await copy.WaitAsync(TimeSpan.FromSeconds(10));
        idle.Return();

        Assert.Equal(CopyResult.Canceled, result);
        Assert.IsAssignableFrom<OperationCanceledException>(error);
    }

    [Fact]
    public async Task CopyAsync_IdleTimeoutCancelsAWaitingRead_InputErrorNotCanceled()
    {
        var idle = StreamIdleSource.Rent(TimeSpan.FromMilliseconds(50), CancellationToken.None, CancellationToken.None);
        var source = new WaitingStream();

        var (result, error) = await BodyCopy.CopyAsync(source, new MemoryStream(), BodyCopy.UnknownLength, flushEachWrite: false, idle, idle.Token).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        idle.Return();

        Assert.Equal(CopyResult.InputError, result);
        Assert.IsAssignableFrom<OperationCanceledException>(error);
        Assert.False(idle.CancelledByLinkedToken);
    }

    private sealed class FailingStream(bool failReads) : NonSeekableStream
    {
        public override bool CanRead => true;

        public override bool CanWrite => true;

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            failReads && !buffer.IsEmpty ? ValueTask.FromException<int>(new IOException("read failed")) : ValueTask.FromResult(0);

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromException(new IOException("write failed"));

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    private sealed class CountingStream : MemoryStream
    {
        public int Writes { get; private set; }

        public int Flushes { get; private set; }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Writes++;
            return base.WriteAsync(buffer, cancellationToken);
        }

        public override Task FlushAsync(CancellationToken cancellationToken)
        {
            Flushes++;
            return Task.CompletedTask;
        }
    }

    /// <summary>A source whose reads wait until their token is cancelled.</summary>
    private sealed class WaitingStream : NonSeekableStream
    {
        public TaskCompletionSource Waiting { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override bool CanRead => true;

        public override bool CanWrite => false;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Waiting.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return 0;
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
