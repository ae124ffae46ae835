using System.Buffers;
using System.IO.Pipelines;
using MeshProxy.Routing;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace MeshProxy.Tests.Routing;

/// <summary>
/// The written-behind response body over a pipe that pauses at one byte, as Kestrel's HTTP/2 stream pipes do: a flush
/// completes only once the test reads what was written, as the connection's frame writer would.
/// </summary>
public sealed class WriteBehindBodyTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);
    private readonly Pipe _pipe = new(new PipeOptions(pauseWriterThreshold: 1, resumeWriterThreshold: 1, useSynchronizationContext: false));

    [Fact]
    public async Task Write_FlushWaits_WriteReturnsAtOnceWithTheBytesCopied()
    {
        var (body, stream) = Install();
        var buffer = new byte[] { 1, 2, 3 };

        await stream.WriteAsync(buffer).AsTask().WaitAsync(Bound);
        Array.Clear(buffer);

        Assert.False(body.Ready);
        Assert.Equal([1, 2, 3], await ReadAsync(3));
        await body.WhenReadyAsync().AsTask().WaitAsync(Bound);
        Assert.True(body.Ready);
    }

    [Fact]
    public async Task WhenReady_WaitsForTheLastFlush()
    {
        var (body, stream) = Install();
        await stream.WriteAsync(new byte[] { 7 }).AsTask().WaitAsync(Bound);

        var ready = body.WhenReadyAsync().AsTask();
        await Task.Delay(50);
        Assert.False(ready.IsCompleted);

        Assert.Equal([7], await ReadAsync(1));
        await ready.WaitAsync(Bound);
    }

    [Fact]
    public async Task Write_PreviousFlushPending_WaitsForItThenWritesInOrder()
    {
        var (_, stream) = Install();
        await stream.WriteAsync(new byte[] { 1 }).AsTask().WaitAsync(Bound);

        var second = stream.WriteAsync(new byte[] { 2 }).AsTask();
        await Task.Delay(50);
        Assert.False(second.IsCompleted);

        Assert.Equal([1], await ReadAsync(1));
        await second.WaitAsync(Bound);
        Assert.Equal([2], await ReadAsync(1));
    }

    [Fact]
    public async Task FlushFails_WhenReadyDoesNotThrow_TheNextWriteDoes()
    {
        var (body, stream) = Install();
        await stream.WriteAsync(new byte[] { 1 }).AsTask().WaitAsync(Bound);

        // The caller's side goes away with the bytes unsent.
        await _pipe.Reader.CompleteAsync(new IOException("the caller reset the stream"));

        await body.WhenReadyAsync().AsTask().WaitAsync(Bound);
        var error = await Assert.ThrowsAsync<IOException>(() => stream.WriteAsync(new byte[] { 2 }).AsTask().WaitAsync(Bound));
        Assert.Equal("the caller reset the stream", error.Message);
    }

    [Fact]
    public async Task FlushCancelled_CallerFailed_TheNextWriteThrows()
    {
        // YARP writes with its activity token: the stream idle timeout cancels a flush the caller never takes.
        var (body, stream) = Install();
        using var idle = new CancellationTokenSource();
        await stream.WriteAsync(new byte[] { 1 }, idle.Token).AsTask().WaitAsync(Bound);
        Assert.False(body.CallerFailed);

        await idle.CancelAsync();
        await body.WhenReadyAsync().AsTask().WaitAsync(Bound);

        Assert.True(body.CallerFailed);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => stream.WriteAsync(new byte[] { 2 }).AsTask().WaitAsync(Bound));
    }

    [Fact]
    public async Task Complete_WaitsForTheLastFlushFirst()
    {
        var (body, stream) = Install();
        await stream.WriteAsync(new byte[] { 9 }).AsTask().WaitAsync(Bound);

        var complete = ((IHttpResponseBodyFeature)body).CompleteAsync();
        await Task.Delay(50);
        Assert.False(complete.IsCompleted);

        Assert.Equal([9], await ReadAsync(1));
        await complete.WaitAsync(Bound);
        var end = await _pipe.Reader.ReadAsync().AsTask().WaitAsync(Bound);
        Assert.True(end.IsCompleted);
    }

    [Fact]
    public void Install_CallerWithoutStreamResets_NotInstalled()
    {
        var context = Caller(HttpProtocol.Http2, resets: false);

        Assert.Equal((null, null), CallerResponse.Install(context, CancellationToken.None));
        Assert.IsType<PipeBody>(context.Features.Get<IHttpResponseBodyFeature>());
    }

    [Fact]
    public void Install_Http11CallerWithAResetFeature_NotInstalled()
    {
        var context = Caller(HttpProtocol.Http11, resets: true);

        var (writeBehind, guard) = CallerResponse.Install(context, CancellationToken.None);
        Assert.Null(writeBehind);
        Assert.Same(guard, context.Features.Get<IHttpResetFeature>());
        Assert.IsType<PipeBody>(context.Features.Get<IHttpResponseBodyFeature>());
    }

    [Fact]
    public async Task Install_CallWithADeadline_TheGuardWatchesTheWriteBehindBody()
    {
        using var deadline = new CancellationTokenSource();
        var context = Caller(HttpProtocol.Http2, resets: true);

        var (writeBehind, guard) = CallerResponse.Install(context, deadline.Token);
        Assert.NotNull(writeBehind);
        Assert.NotNull(guard);
        Assert.True(guard.WatchesBody);
        Assert.Same(guard, context.Features.Get<IHttpResponseBodyFeature>());
        Assert.Same(guard, context.Features.Get<IHttpResetFeature>());

        // The guard's writes go through the body written behind: the pacer waits for their flush.
        await context.Features.Get<IHttpResponseBodyFeature>()!.Stream.WriteAsync(new byte[] { 0, 0, 0, 0, 1, 7 });
        var paced = writeBehind.WhenReadyAsync().AsTask();
        Assert.Equal([0, 0, 0, 0, 1, 7], await ReadAsync(6));
        await paced.WaitAsync(Bound);
    }

    /// <summary>A caller on <paramref name="protocol"/> whose response body is the test's pipe; <paramref name="resets"/>: its transport can reset the stream.</summary>
    private DefaultHttpContext Caller(string protocol, bool resets)
    {
        var context = new DefaultHttpContext();
        context.Request.Protocol = protocol;
        context.Features.Set<IHttpResponseBodyFeature>(new PipeBody(_pipe.Writer));
        if (resets)
        {
            context.Features.Set<IHttpResetFeature>(new NoReset());
        }

        return context;
    }

    private (WriteBehindBody Body, Stream Stream) Install()
    {
        var context = Caller(HttpProtocol.Http2, resets: true);
        var body = CallerResponse.Install(context, CancellationToken.None).WriteBehind ?? throw new InvalidOperationException("not installed");
        Assert.Same(body, context.Features.Get<IHttpResponseBodyFeature>());
        return (body, context.Features.Get<IHttpResponseBodyFeature>()!.Stream);
    }

    private async Task<byte[]> ReadAsync(int count)
    {
        var result = await _pipe.Reader.ReadAtLeastAsync(count).AsTask().WaitAsync(Bound);
        var bytes = result.Buffer.Slice(0, count).ToArray();
        _pipe.Reader.AdvanceTo(result.Buffer.GetPosition(count));
        return bytes;
    }

    private sealed class PipeBody(PipeWriter writer) : IHttpResponseBodyFeature
    {
        public Stream Stream => throw new NotSupportedException("the caller's body is written through its pipe");

        public PipeWriter Writer => writer;

        public void DisableBuffering()
        {
        }

        public Task StartAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task CompleteAsync() => writer.CompleteAsync().AsTask();
    }

    private sealed class NoReset : IHttpResetFeature
    {
        public void Reset(int errorCode)
        {
        }
    }
}
