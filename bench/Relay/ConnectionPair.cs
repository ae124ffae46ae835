using System.Net;
using System.Net.Sockets;
using MeshProxy.Upstream;

namespace MeshProxy.Bench.Relay;

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
            // Without the switch the inline modes would measure the pool under the wrong name.
            if (mode is RelayMode.Tcp or RelayMode.H2
                && !(EventThreadCompletions.TryEnable(caller) && EventThreadCompletions.TryEnable(upstream)))
            {
                Console.Error.WriteLine("this runtime has no per-socket inline completions; use tcp-pool or h2-pool");
                Environment.Exit(1);
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
}
