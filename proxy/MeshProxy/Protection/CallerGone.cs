using Microsoft.AspNetCore.Http;

namespace MeshProxy.Protection;

/// <summary>
/// Marks a call whose caller reset its stream (or dropped the connection) before <see cref="CallerCommitGate"/> let it
/// through: the body read failed, but Kestrel may not have signalled <c>RequestAborted</c> yet, so the status reader
/// (<see cref="Observability.GrpcCallStatus"/>) would see a 200 without grpc-status and count INTERNAL. The marker
/// makes it count CANCELLED, the caller's own cancellation. Nothing is written to the stream: aborting the request
/// instead queued an RST_STREAM per reset stream, and under a flood Kestrel closed the connection for its output queue
/// (Http2QueueOperationsExceeded; commits ed9967b, 03aeb94).
/// </summary>
internal static class CallerGone
{
    private static readonly object Key = new();

    public static void Mark(HttpContext context) => context.Items[Key] = Key;

    public static bool IsMarked(HttpContext context) => context.Items.ContainsKey(Key);
}
