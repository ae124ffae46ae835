using System.Net;
using System.Net.Sockets;
using MeshProxy.Upstream;

namespace MeshProxy.Tests.Upstream;

/// <summary>
/// The lean client asks the runtime, through an internal switch, to complete its sockets' reads on the event thread
/// (<see cref="EventThreadCompletions"/>). These hold that the switch still exists and still does that on the runtime
/// the tests run on, so a runtime that drops or changes it fails here rather than quietly costing every call a hop.
/// </summary>
public sealed class EventThreadCompletionsTests
{
    [Fact]
    public async Task TryEnable_ReadThatWaits_CompletesOffThePool()
    {
        var (client, server) = await ConnectedPairAsync();
        using (client)
        using (server)
        {
            Assert.True(EventThreadCompletions.TryEnable(client));

            Assert.False(await ReadOnPoolThreadAsync(client, server));
        }
    }

    [Fact]
    public async Task WithoutIt_ReadThatWaits_CompletesOnAPoolWorker()
    {
        var (client, server) = await ConnectedPairAsync();
        using (client)
        using (server)
        {
            Assert.True(await ReadOnPoolThreadAsync(client, server));
        }
    }

    // Whether the continuation of a receive that had to wait for its data ran on a thread-pool thread. The wait is
    // registered before anything is sent, so the continuation runs where the runtime completes the read.
    private static async Task<bool> ReadOnPoolThreadAsync(Socket client, Socket server)
    {
        var read = ReceiveAsync(client);
        await server.SendAsync(new byte[] { 1, 2, 3 }, SocketFlags.None);
        return await read;
    }

    private static async Task<bool> ReceiveAsync(Socket client)
    {
        var receive = client.ReceiveAsync(new byte[16], SocketFlags.None);
        Assert.False(receive.IsCompleted);
        Assert.Equal(3, await receive.ConfigureAwait(false));
        var onPool = Thread.CurrentThread.IsThreadPoolThread;

        // Off the event thread before anything else runs: nothing of a test belongs there.
        await Task.Yield();
        return onPool;
    }

    private static async Task<(Socket Client, Socket Server)> ConnectedPairAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(listener.LocalEndPoint!);
        var server = await listener.AcceptAsync();
        return (client, server);
    }
}
