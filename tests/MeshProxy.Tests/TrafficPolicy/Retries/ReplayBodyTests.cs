using System.IO.Pipelines;
using MeshProxy.TrafficPolicy;
using MeshProxy.TrafficPolicy.Retries;

namespace MeshProxy.Tests.TrafficPolicy.Retries;

public sealed class ReplayBodyTests
{
    [Fact]
    public async Task Settle_NothingRead_NotStarted()
    {
        using var body = new ReplayBody(16);

        Assert.Equal(ReplayState.NotStarted, await body.SettleAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Settle_WholeBodyWithinLimit_CompleteAndLeasedByteForByte()
    {
        using var body = new ReplayBody(8);
        Assert.True(body.TryStartPump(null));
        body.Record([1, 2, 3]);
        body.Record([4, 5, 6, 7, 8]);
        body.Record([]);
        body.PumpEnded();

        Assert.Equal(ReplayState.Complete, await body.SettleAsync(CancellationToken.None));
        using var lease = body.Lease();
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 }, Assert.IsType<ReplayLease>(lease).Body.ToArray());
        Assert.False(body.TryStartPump(null));
    }

    [Fact]
    public async Task Record_OneByteOverLimit_TooLargeAndBufferReleasedAtOnce()
    {
        using var body = new ReplayBody(8);
        body.TryStartPump(null);
        body.Record([1, 2, 3, 4, 5, 6, 7, 8]);
        Assert.False(body.Released);

        body.Record([9]);

        Assert.True(body.Released);
        Assert.True(body.CannotReplay);
        body.Record([]);
        body.PumpEnded();
        Assert.Equal(ReplayState.TooLarge, await body.SettleAsync(CancellationToken.None));
        Assert.Null(body.Lease());
    }

    [Fact]
    public async Task Settle_CallerStillSending_Incomplete()
    {
        using var body = new ReplayBody(64);
        body.TryStartPump(null);
        body.Record([1]);

        var settle = body.SettleAsync(CancellationToken.None).AsTask();
        Assert.False(settle.IsCompleted);
        body.ReadPending();

        Assert.Equal(ReplayState.Incomplete, await settle.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task Settle_PumpEndsBeforeEndOfStream_Incomplete()
    {
        using var body = new ReplayBody(64);
        body.TryStartPump(null);
        body.Record([1]);

        var settle = body.SettleAsync(CancellationToken.None).AsTask();
        body.PumpEnded();

        Assert.Equal(ReplayState.Incomplete, await settle.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task Settle_EndOfStreamThenPumpEnds_CompleteOnceBothHappened()
    {
        using var body = new ReplayBody(64);
        body.TryStartPump(null);
        body.Record([1]);
        body.Record([]);

        var settle = body.SettleAsync(CancellationToken.None).AsTask();
        Assert.False(settle.IsCompleted);
        body.PumpEnded();

        Assert.Equal(ReplayState.Complete, await settle.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public void Commit_WhileALeaseReplays_BufferKeptUntilTheLeaseEnds()
    {
        var body = new ReplayBody(64);
        body.TryStartPump(null);
        body.Record([1, 2]);
        body.Record([]);
        body.PumpEnded();
        var lease = Assert.IsType<ReplayLease>(body.Lease());

        body.Commit();
        Assert.False(body.Released);
        Assert.Equal(new byte[] { 1, 2 }, lease.Body.ToArray());

        lease.Dispose();
        Assert.True(body.Released);
        lease.Dispose();
    }

    [Fact]
    public void Commit_StopsRecording()
    {
        using var body = new ReplayBody(64);
        body.TryStartPump(null);
        body.Record([1]);

        body.Commit();
        body.Record([2, 3]);

        Assert.Equal(1, body.Length);
        Assert.True(body.Released);
    }

    [Fact]
    public async Task PumpStop_UpstreamGoneWhileReplayable_PumpReadsOnUntilCommit()
    {
        using var body = new ReplayBody(64);
        var caller = new Pipe();
        var reads = new CallerRequestBody(caller.Reader, body);
        Assert.True(body.TryStartPump(reads));
        var waiting = reads.ReadAsync(new byte[8]).AsTask();

        body.UpstreamGone();
        await caller.Writer.WriteAsync(new byte[] { 1 });
        Assert.Equal(1, await waiting);

        var next = reads.ReadAsync(new byte[8]).AsTask();
        body.Commit();

        await Assert.ThrowsAsync<OperationCanceledException>(() => next);
    }

    [Fact]
    public async Task PumpStop_CommittedThenUpstreamGone_WaitingReadEnds()
    {
        using var body = new ReplayBody(64);
        var caller = new Pipe();
        var reads = new CallerRequestBody(caller.Reader, body);
        Assert.True(body.TryStartPump(reads));
        var waiting = reads.ReadAsync(new byte[8]).AsTask();

        body.Commit();
        await Task.Delay(20);
        Assert.False(waiting.IsCompleted);

        body.UpstreamGone();

        await Assert.ThrowsAsync<OperationCanceledException>(() => waiting);
    }

    [Fact]
    public async Task PumpStop_OverLimitThenUpstreamGone_LaterReadsRefusedWithoutTouchingThePipe()
    {
        using var body = new ReplayBody(4);
        var caller = new Pipe();
        var reads = new CallerRequestBody(caller.Reader, body);
        Assert.True(body.TryStartPump(reads));
        await caller.Writer.WriteAsync(new byte[] { 1, 2, 3, 4, 5 });
        Assert.Equal(5, await reads.ReadAsync(new byte[8]));

        body.UpstreamGone();

        // No read was waiting, so the pipe was not woken: a stop that comes after the call must leave the server's
        // pipe alone. The pump's next read is refused by the body itself.
        await caller.Writer.WriteAsync(new byte[] { 6 });
        Assert.True(caller.Reader.TryRead(out var pending));
        Assert.False(pending.IsCanceled);
        caller.Reader.AdvanceTo(pending.Buffer.Start);
        await Assert.ThrowsAsync<OperationCanceledException>(() => reads.ReadAsync(new byte[8]).AsTask());
    }

    [Fact]
    public async Task RecordingStream_ZeroByteReadsBetweenPieces_NotEndOfStream()
    {
        // YARP waits for data with a zero-byte read before each read: that 0 is no END_STREAM.
        using var body = new ReplayBody(64);
        Assert.True(body.TryStartPump(null));
        await using var stream = new CallerRequestBody(PipeReader.Create(new MemoryStream([1, 2, 3])), body);
        var buffer = new byte[2];

        Assert.Equal(0, await stream.ReadAsync(Memory<byte>.Empty));
        Assert.Equal(2, await stream.ReadAsync(buffer));
        Assert.Equal(0, await stream.ReadAsync(Memory<byte>.Empty));
        body.PumpEnded();

        // The pump ended before the caller's END_STREAM was read: nothing to replay.
        Assert.Equal(ReplayState.Incomplete, await body.SettleAsync(CancellationToken.None));
        Assert.Equal(2, body.Length);
    }

    [Fact]
    public async Task RecordingStream_EmptyReadIntoABuffer_IsEndOfStream()
    {
        using var body = new ReplayBody(64);
        Assert.True(body.TryStartPump(null));
        await using var stream = new CallerRequestBody(PipeReader.Create(new MemoryStream([1, 2])), body);
        var buffer = new byte[8];

        Assert.Equal(0, await stream.ReadAsync(Memory<byte>.Empty));
        Assert.Equal(2, await stream.ReadAsync(buffer));
        Assert.Equal(0, await stream.ReadAsync(Memory<byte>.Empty));
        Assert.Equal(0, await stream.ReadAsync(buffer));
        body.PumpEnded();

        Assert.Equal(ReplayState.Complete, await body.SettleAsync(CancellationToken.None));
        using var lease = body.Lease();
        Assert.Equal(new byte[] { 1, 2 }, Assert.IsType<ReplayLease>(lease).Body.ToArray());
    }

    [Fact]
    public async Task RecordingStream_ZeroByteReadWaitedThenDataCame_NotIncomplete()
    {
        // While the zero-byte read waits, the caller is still sending; once it returns, the data is there and the
        // body can still complete.
        using var body = new ReplayBody(64);
        Assert.True(body.TryStartPump(null));
        var pipe = new System.IO.Pipelines.Pipe();
        await using var stream = new CallerRequestBody(pipe.Reader, body);

        var wait = stream.ReadAsync(Memory<byte>.Empty).AsTask();
        Assert.False(wait.IsCompleted);
        Assert.Equal(ReplayState.Incomplete, await body.SettleAsync(CancellationToken.None));
        await pipe.Writer.WriteAsync(new byte[] { 1, 2 });
        await pipe.Writer.CompleteAsync();
        Assert.Equal(0, await wait.WaitAsync(TimeSpan.FromSeconds(30)));

        var settle = body.SettleAsync(CancellationToken.None).AsTask();
        Assert.False(settle.IsCompleted);
        var buffer = new byte[8];
        Assert.Equal(2, await stream.ReadAsync(buffer));
        Assert.Equal(0, await stream.ReadAsync(buffer));
        body.PumpEnded();
        Assert.Equal(ReplayState.Complete, await settle.WaitAsync(TimeSpan.FromSeconds(30)));
    }
}
