using System.Net;
using System.Net.Sockets;

namespace MeshProxy.FunctionalTests.Drain;

/// <summary>TCP connection checks against a listener.</summary>
internal static class Connect
{
    /// <summary>True when a TCP connection to the endpoint is refused (nothing listens there any more).</summary>
    public static async Task<bool> IsRefusedAsync(IPEndPoint endPoint)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(endPoint);
            return false;
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionRefused)
        {
            return true;
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
        {
            // The SYN reached the backlog of a listener closing at that moment: not refused yet, ask again.
            return false;
        }
    }

    /// <summary>
    /// Completes once connections to the endpoint are refused. Kestrel offers no event for "unbound": the drain
    /// closes the listener at the start of its stop, so this only spans the few moments that takes.
    /// </summary>
    public static async Task UntilRefusedAsync(IPEndPoint endPoint)
    {
        while (!await IsRefusedAsync(endPoint))
        {
            await Task.Delay(20);
        }
    }
}
