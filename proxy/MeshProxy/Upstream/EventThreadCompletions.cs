using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace MeshProxy.Upstream;

/// <summary>
/// Has the runtime complete an upstream socket's operations on its event (epoll) thread rather than hand each one to a
/// thread-pool worker: the read loop then decodes a batch of frames where the socket became readable.
/// </summary>
/// <remarks>
/// <para>Otherwise every completed read costs a hop: the event thread queues the socket to a worker, which reads and
/// runs the loop. Inline, the loop runs on the event thread, which every socket of the process shares, so what it does
/// there is short and never waits: it decodes a batch of frames and hands each response on to the pool (the stream's
/// completion sources run continuations asynchronously, so no caller's code runs there), sends only asynchronously
/// (the GOAWAY before a close without blocking), and moves itself to the pool after 64 KiB read in one go. Saturated,
/// the proxy spent about 2.6 % less CPU a call (docs/benchmarks.md, "Upstream reads on the event thread").</para>
/// <para>.NET 10 keeps the per-socket switch internal. Its public form,
/// <c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS</c>, applies to every socket of the process and makes Kestrel run
/// the callers' frames on the event thread too (docs/benchmarks.md, "Dotnet's inline socket completions"). The
/// internal setter is reached by <see cref="UnsafeAccessorAttribute"/>, which Native AOT compiles; a runtime without it
/// leaves the socket as it was, and <c>EventThreadCompletionsTests</c> fails so that the change is seen. The callers'
/// sockets under Kestrel were measured with it too and keep the default: 0.5 % was not worth running Kestrel's
/// transport on the shared thread.</para>
/// </remarks>
internal static class EventThreadCompletions
{
    /// <summary>Turns inline completions on for <paramref name="socket"/>; false when the runtime has no switch.</summary>
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
