using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace MeshProxy.Bench.Relay;

internal enum RelayMode
{
    TcpPool,
    Tcp,
    H2,
    H2Pool,
}

/// <summary>A caller's connection and the one opened for it to the backend, copied both ways until either ends.</summary>
internal static class ConnectionPair
{
    public static async Task RunAsync(Socket caller, IPEndPoint backend, RelayMode mode)
    {
        using var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            caller.NoDelay = true;
            upstream.NoDelay = true;
            await upstream.ConnectAsync(backend).ConfigureAwait(false);
            if (mode is RelayMode.Tcp or RelayMode.H2)
            {
                SetPreferInlineCompletions(caller, true);
                SetPreferInlineCompletions(upstream, true);
            }

            Task toBackend, toCaller;
            if (mode is RelayMode.H2 or RelayMode.H2Pool)
            {
                // The caller opens with the 24-byte preface, which is not a frame.
                toBackend = new FrameCopy(caller, upstream, prefaceLength: 24).RunAsync();
                toCaller = new FrameCopy(upstream, caller, prefaceLength: 0).RunAsync();
            }
            else
            {
                toBackend = CopyBytesAsync(caller, upstream);
                toCaller = CopyBytesAsync(upstream, caller);
            }

            await Task.WhenAny(toBackend, toCaller).ConfigureAwait(false);
        }
        catch (SocketException)
        {
            // The caller or the backend went away: both connections close below.
        }
        finally
        {
            caller.Dispose();
        }
    }

    private static async Task CopyBytesAsync(Socket from, Socket to)
    {
        var buffer = GC.AllocateUninitializedArray<byte>(64 * 1024, pinned: true);
        try
        {
            int read;
            while ((read = await from.ReceiveAsync(buffer, SocketFlags.None).ConfigureAwait(false)) > 0)
            {
                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Ended by the other direction's close, or by the peer.
        }
    }

    // .NET 10 keeps the per-socket switch internal (MeshProxy's Upstream/EventThreadCompletions.cs says more).
    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "set_PreferInlineCompletions")]
    private static extern void SetPreferInlineCompletions(Socket socket, bool value);
}
