using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;

namespace MeshProxy.Protection;

/// <summary>
/// The connection's input as Kestrel sees it: the transport's own <see cref="PipeReader"/>, whose read results pass
/// through <see cref="Http2FloodDetector"/> on their way. Nothing is copied: the detector walks the frame headers in
/// the buffers Kestrel receives anyway, each byte once (the bytes Kestrel leaves unconsumed come back in the next
/// result and are skipped). Once a budget is passed, Kestrel gets the bytes before the offending frame and nothing
/// after: its next read waits for the guard to have sent GOAWAY and let the connection linger, then ends the input.
/// </summary>
internal sealed class FloodScanningReader(PipeReader inner, Http2FloodDetector detector, Func<Task> onTripped) : PipeReader
{
    private ReadOnlySequence<byte> _last;
    private long _scanned;
    private bool _tripped;
    private Task? _closing;

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        if (_closing is not null)
        {
            return EndAsync();
        }

        var read = inner.ReadAsync(cancellationToken);
        return read.IsCompletedSuccessfully ? ValueTask.FromResult(Inspect(read.Result)) : InspectAsync(read);
    }

    public override bool TryRead(out ReadResult result)
    {
        if (_closing is null && inner.TryRead(out result))
        {
            result = Inspect(result);
            return true;
        }

        result = default;
        return false;
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        // What Kestrel leaves unconsumed starts the next result; the detector has seen it already.
        _scanned -= _last.Slice(0, consumed).Length;
        inner.AdvanceTo(consumed, examined);
        if (_tripped && _closing is null)
        {
            // Only now: the lingering close reads the transport itself, which must wait for Kestrel's AdvanceTo.
            _closing = onTripped();
        }
    }

    public override void CancelPendingRead() => inner.CancelPendingRead();

    public override void Complete(Exception? exception = null) => inner.Complete(exception);

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ReadResult> InspectAsync(ValueTask<ReadResult> read) => Inspect(await read.ConfigureAwait(false));

    private async ValueTask<ReadResult> EndAsync()
    {
        await _closing!.ConfigureAwait(false);
        return new ReadResult(default, isCanceled: false, isCompleted: true);
    }

    private ReadResult Inspect(ReadResult result)
    {
        var buffer = result.Buffer;
        _last = buffer;
        if (_tripped || buffer.Length <= _scanned)
        {
            return result;
        }

        var offset = _scanned;
        foreach (var segment in buffer.Slice(_scanned))
        {
            var cut = detector.Scan(segment.Span);
            if (cut >= 0)
            {
                _tripped = true;
                _scanned = offset + cut;
                _last = buffer.Slice(0, _scanned);
                return new ReadResult(_last, isCanceled: false, isCompleted: false);
            }

            offset += segment.Length;
        }

        _scanned = buffer.Length;
        return result;
    }
}
