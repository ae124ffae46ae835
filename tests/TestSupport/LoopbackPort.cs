using System.Net;
using System.Net.Sockets;

namespace MeshProxy.TestSupport;

/// <summary>Loopback ports for tests that need an address nobody listens on.</summary>
public static class LoopbackPort
{
    /// <summary>A port that was free a moment ago: bound on 127.0.0.1, read back, released.</summary>
    public static int Unused()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
