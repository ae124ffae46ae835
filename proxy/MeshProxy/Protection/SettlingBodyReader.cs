using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http.Features;

namespace MeshProxy.Protection;

/// <summary>
/// A REST request's body reader that knows whether a read is in flight, so the request never ends with one.
/// <para>
/// Why: when an HTTP/1.1 handler returns, Kestrel drains what is left of the request body to reuse the connection.
/// If some reader of ours still has a read pending on the body (a streamed body whose upstream call failed or ended
/// first, with the pump still waiting for the client's next bytes), Kestrel's drain collides with it and logs
/// <c>InvalidOperationException: Reading is already in progress</c> (issue 12). <see cref="SettleAsync"/>, called
/// after the handler, closes the reader to new reads, cancels the one in flight and waits until its owner has handed
/// it back (AdvanceTo) or failed, so Kestrel finds the body reader idle.
/// </para>
/// </summary>
internal sealed class SettlingBodyReader(PipeReader inner) : PipeReader, IRequestBodyPipeFeature
{
    /// <summary>The longest the handler's end waits for a cancelled read to be handed back.</summary>
    private static readonly TimeSpan SettleWait = TimeSpan.FromSeconds(1);

    private readonly Lock _sync = new();
    private bool _reading;
    private bool _pending;
    private bool _closed;
    private TaskCompletionSource? _idle;

    PipeReader IRequestBodyPipeFeature.Reader => this;

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        lock (_sync)
        {
            if (_closed)
            {
                return ValueTask.FromResult(new ReadResult(default, isCanceled: false, isCompleted: true));
            }

            _reading = true;
            _pending = true;
        }

        ValueTask<ReadResult> read;
        try
        {
            read = inner.ReadAsync(cancellationToken);
        }
        catch
        {
            Idle();
            throw;
        }

        if (read.IsCompletedSuccessfully)
        {
            Completed();
            return read;
        }

        return TrackAsync(read);
    }

    public override bool TryRead(out ReadResult result)
    {
        lock (_sync)
        {
            if (_closed)
            {
                result = default;
                return false;
            }

            _reading = true;
        }

        if (inner.TryRead(out result))
        {
            Completed();
            return true;
        }

        Idle();
        return false;
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        lock (_sync)
        {
            if (!_reading)
            {
                // The end-of-body result handed out after SettleAsync: nothing of Kestrel's to give back.
                return;
            }
        }

        inner.AdvanceTo(consumed, examined);
        Idle();
    }

    public override void CancelPendingRead() => inner.CancelPendingRead();

    public override void Complete(Exception? exception = null) => inner.Complete(exception);

    /// <summary>After the handler: no new reads, and the one in flight (if any) cancelled and handed back.</summary>
    public async Task SettleAsync()
    {
        Task idle;
        bool cancel;
        lock (_sync)
        {
            _closed = true;
            if (!_reading)
            {
                return;
            }

            _idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            idle = _idle.Task;

            // Only a read still waiting for bytes is cancelled; a result already handed out just has to come back.
            cancel = _pending;
        }

        if (cancel)
        {
            inner.CancelPendingRead();
        }

        await Task.WhenAny(idle, Task.Delay(SettleWait)).ConfigureAwait(false);
        if (cancel)
        {
            ObserveStrayCancel();
        }
    }

    /// <summary>
    /// A cancel that raced the read's own completion stays armed and would fail Kestrel's next read (its drain of the
    /// body, then a keep-alive connection dropped): one TryRead observes it, consuming nothing.
    /// </summary>
    private void ObserveStrayCancel()
    {
        lock (_sync)
        {
            if (_reading)
            {
                return;
            }
        }

        try
        {
            if (inner.TryRead(out var result))
            {
                inner.AdvanceTo(result.Buffer.Start);
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or Microsoft.AspNetCore.Http.BadHttpRequestException)
        {
            // The body is finished or failed: nothing armed to observe.
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ReadResult> TrackAsync(ValueTask<ReadResult> read)
    {
        try
        {
            var result = await read.ConfigureAwait(false);
            Completed();
            return result;
        }
        catch
        {
            // A failed read (the client went away, or the body was too slow) leaves nothing to hand back.
            Idle();
            throw;
        }
    }

    private void Completed()
    {
        lock (_sync)
        {
            _pending = false;
        }
    }

    private void Idle()
    {
        lock (_sync)
        {
            _reading = false;
            _pending = false;
            _idle?.TrySetResult();
        }
    }
}
