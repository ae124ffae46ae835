using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace MeshProxy.Upstream;

/// <summary>
/// Has the runtime complete an upstream socket's operations on its event (epoll) thread rather than hand each one to a
/// thread-pool worker: the read loop then decodes a batch of frames where the socket became readable.
/// </summary>
/// <remarks>
/// <para>Otherwise every read costs a hop: the event thread queues the socket to a worker, which reads and runs the
/// loop. Inline, the loop runs on the event thread and still hands each response on to the pool (the stream's
/// completion sources run their continuations asynchronously), so no caller's code runs there. Nothing on it waits:
/// sends are asynchronous, a GOAWAY is sent without blocking, and the loop gives the thread back after a buffer's
/// worth of reading in one go (<see cref="Http2Connection"/>'s read loop). Saturated, the proxy spent about 2.6 % less
/// CPU a call (docs/benchmarks.md, "Upstream reads on the event thread").</para>
/// <para>.NET 10 keeps the per-socket switch internal. Its public form, <c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS</c>,
/// applies to every socket of the process, Kestrel's too, where it would put the callers' HTTP/2 frames on the event
/// thread (docs/benchmarks.md, "Dotnet's inline socket completions"). The internal setter is reached by
/// <see cref="UnsafeAccessorAttribute"/>, which Native AOT compiles; a runtime without it leaves the socket as it was,
/// and <c>EventThreadReadsTests</c> fails so that the change is seen.</para>
/// </remarks>
internal static class EventThreadReads
{
    /// <summary>Turns inline completions on for <paramref name="socket"/>; false when this runtime has no such switch.</summary>
    public static bool TryEnable(Socket socket)
    {
        try
        {
            SetPreferInlineCompletions(socket, true);
            return true;
        }
        catch (MissingMemberException)
        {
            return false;
        }
    }

    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "set_PreferInlineCompletions")]
    private static extern void SetPreferInlineCompletions(Socket socket, bool value);
}
