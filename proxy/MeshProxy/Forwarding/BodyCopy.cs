using System.Buffers;
using System.Runtime.CompilerServices;

namespace MeshProxy.Forwarding;

/// <summary>How a body copy ended; a failure says which side failed, which is who the call's outcome blames.</summary>
internal enum CopyResult
{
    Success,

    /// <summary>Reading the source failed.</summary>
    InputError,

    /// <summary>Writing the destination failed.</summary>
    OutputError,

    /// <summary>A linked token (the caller went away, or the call's deadline) ended the copy.</summary>
    Canceled,
}

/// <summary>
/// Copies one body of a forwarded call, either way: every read and write is activity for the stream idle timeout, and
/// a failure comes back as a <see cref="CopyResult"/> rather than thrown, since the forwarder must weigh it against
/// the other direction's before it can say whose it was.
/// </summary>
/// <remarks>
/// Each round first waits with a zero-byte read and only then rents its buffer, so a copy that waits (a stream between
/// messages, a caller's write that has not come) holds no buffer: with a thousand streams open, only those moving bytes
/// hold one.
/// </remarks>
internal static class BodyCopy
{
    private const int BufferSize = 65536;

    /// <summary>Bodies that claim a length longer or shorter than they are fail as input errors.</summary>
    public const long UnknownLength = -1;

    /// <summary>
    /// Copies <paramref name="source"/> into <paramref name="destination"/> to its end, flushing after each write when
    /// <paramref name="flushEachWrite"/> (a streaming request, whose messages must not wait in the client's buffer).
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public static async ValueTask<(CopyResult Result, Exception? Error)> CopyAsync(
        Stream source, Stream destination, long declaredLength, bool flushEachWrite, StreamIdleSource idle, CancellationToken cancellationToken)
    {
        byte[]? buffer = null;
        var read = 0;
        long copied = 0;
        try
        {
            while (true)
            {
                read = 0;
                var wait = source.ReadAsync(Memory<byte>.Empty, cancellationToken);
                if (wait.IsCompletedSuccessfully)
                {
                    _ = wait.Result;
                }
                else
                {
                    if (buffer is not null)
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = null;
                    }

                    await wait.ConfigureAwait(false);
                }

                buffer ??= ArrayPool<byte>.Shared.Rent(BufferSize);
                read = await source.ReadAsync(buffer.AsMemory(), cancellationToken).ConfigureAwait(false);
                copied += read;
                if (declaredLength != UnknownLength && copied > declaredLength)
                {
                    return (CopyResult.InputError, new InvalidOperationException("More bytes received than the specified Content-Length."));
                }

                idle.Activity();
                if (read == 0)
                {
                    return declaredLength == UnknownLength || copied == declaredLength
                        ? (CopyResult.Success, null)
                        : (CopyResult.InputError, new InvalidOperationException($"Sent {copied} request content bytes, but Content-Length promised {declaredLength}."));
                }

                await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                if (flushEachWrite)
                {
                    await destination.FlushAsync(cancellationToken).ConfigureAwait(false);
                }

                idle.Activity();
            }
        }
        catch (Exception ex)
        {
            // A failure while bytes were in hand was the write's; otherwise the read's. A linked cancellation is neither.
            if (idle.CancelledByLinkedToken)
            {
                return (CopyResult.Canceled, ex);
            }

            return (read == 0 ? CopyResult.InputError : CopyResult.OutputError, ex);
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }
}
