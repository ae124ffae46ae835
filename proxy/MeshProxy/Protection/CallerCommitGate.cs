using System.Buffers;
using System.IO.Pipelines;
using MeshProxy.Grpc;
using MeshProxy.Grpc.Framing;
using Microsoft.AspNetCore.Http;

namespace MeshProxy.Protection;

/// <summary>
/// Holds a gRPC call back until its caller has committed to it, so a stream reset before its request is complete
/// (HTTP/2 rapid reset, CVE-2023-44487: HEADERS + DATA + RST_STREAM) starts no upstream call. Kestrel runs the handler
/// as soon as the request HEADERS end and the forwarder sends the upstream HEADERS as soon as forwarding starts, so without the
/// gate every reset stream whose RST_STREAM is still on the wire when the handler runs becomes a real backend call
/// (issue 12; docs/reliability.md has the before/after figures).
/// <para>
/// A call is committed when its request has ended (END_STREAM: every unary and server-streaming call, whose clients
/// send the message and END_STREAM in one flight, so they are not delayed), when it shows it is streaming (bytes
/// after a whole first message), when it has sent <see cref="ProtectionOptions.CommitBytes"/> (a caller who sends
/// that much pays as much as we do), or after <see cref="ProtectionOptions.CommitWait"/> at the latest, so a
/// bidirectional call whose client sends one message and waits, or nothing until the server speaks, is delayed once,
/// by that much, and never stalled. The sidecar cannot tell a unary method from a streaming one without its
/// descriptor, hence the bounded wait rather than waiting for END_STREAM.
/// </para>
/// <para>
/// The common case (the whole request already buffered with its HEADERS) is decided by one <c>TryRead</c> that consumes
/// nothing. Otherwise the gate reads the body as it comes into a buffer of at most <see cref="ProtectionOptions.CommitBytes"/>
/// and hands the forwarder a <see cref="HeldBodyStream"/> that replays those bytes first, then any read still pending,
/// then the rest of the body: nothing is lost or read twice, and only one read is ever in flight.
/// </para>
/// </summary>
internal sealed class CallerCommitGate(ProtectionOptions options, TimeProvider time)
{
    /// <summary>
    /// True when the call may be forwarded; false when its caller reset it (or went away) first, and nobody is left
    /// to answer.
    /// </summary>
    public ValueTask<bool> WaitAsync(HttpContext context)
    {
        if (!options.CommitBeforeForwarding)
        {
            return ValueTask.FromResult(true);
        }

        var reader = context.Request.BodyReader;
        try
        {
            if (reader.TryRead(out var result))
            {
                var buffer = result.Buffer;
                if (result.IsCompleted || buffer.Length >= options.CommitBytes || StreamsMessages(buffer))
                {
                    // Nothing consumed and nothing examined: the forwarder reads the same bytes at once.
                    reader.AdvanceTo(buffer.Start);
                    return ValueTask.FromResult(!context.RequestAborted.IsCancellationRequested || Refuse(context));
                }

                var held = new ArrayBufferWriter<byte>((int)buffer.Length + 64);
                Hold(reader, buffer, held);
                return WaitSlowAsync(context, reader, held);
            }
        }
        catch (Exception ex) when (IsCallerGone(ex))
        {
            return ValueTask.FromResult(Refuse(context));
        }

        return WaitSlowAsync(context, reader, new ArrayBufferWriter<byte>(256));
    }

    private async ValueTask<bool> WaitSlowAsync(HttpContext context, PipeReader reader, ArrayBufferWriter<byte> held)
    {
        // Only stops the wait's timer once the loop ends; it needs no link to RequestAborted (no registration on it),
        // since a caller that goes away fails the pending read, which ends the loop.
        using var stop = new CancellationTokenSource();
        var deadline = Task.Delay(options.CommitWait, time, stop.Token);
        try
        {
            while (true)
            {
                var read = reader.ReadAsync(context.RequestAborted).AsTask();
                if (await Task.WhenAny(read, deadline).ConfigureAwait(false) != read)
                {
                    // Not committed in time: a streaming call that waits for the server (ping-pong, or a server that
                    // speaks first) is forwarded anyway; its pending read goes to the forwarder's first read.
                    HeldBodyStream.Install(context, held.WrittenMemory, read, reader);
                    return true;
                }

                var result = await read.ConfigureAwait(false);
                Hold(reader, result.Buffer, held);
                if (result.IsCompleted || held.WrittenCount >= options.CommitBytes || StreamsMessages(new ReadOnlySequence<byte>(held.WrittenMemory)))
                {
                    HeldBodyStream.Install(context, held.WrittenMemory, pending: null, reader);
                    return !context.RequestAborted.IsCancellationRequested || Refuse(context);
                }
            }
        }
        catch (Exception ex) when (IsCallerGone(ex))
        {
            return Refuse(context);
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Copies up to the room left below CommitBytes and consumes what it copied; the rest stays in the pipe.</summary>
    private void Hold(PipeReader reader, in ReadOnlySequence<byte> buffer, ArrayBufferWriter<byte> held)
    {
        var take = Math.Min(buffer.Length, Math.Max(0, options.CommitBytes - held.WrittenCount));
        var slice = buffer.Slice(0, take);
        slice.CopyTo(held.GetSpan((int)take));
        held.Advance((int)take);
        reader.AdvanceTo(slice.End);
    }

    /// <summary>True when bytes follow a whole first message: a second message has begun, so the call streams.</summary>
    private static bool StreamsMessages(in ReadOnlySequence<byte> buffer) =>
        GrpcMessagePrefix.TryRead(buffer, out _, out var length)
        && buffer.Length - GrpcProtocol.MessagePrefixLength > length;

    // The caller is gone before the call was forwarded: it counts as the caller's own cancellation (CallerGone).
    private static bool Refuse(HttpContext context)
    {
        CallerGone.Mark(context);
        return false;
    }

    // Kestrel fails a reset stream's body reads with an IOException (ConnectionAbortedException or its own).
    private static bool IsCallerGone(Exception ex) => ex is IOException or OperationCanceledException or Microsoft.AspNetCore.Connections.ConnectionAbortedException;
}
