using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace MeshProxy.FunctionalTests.Discovery;

/// <summary>
/// A loopback HTTP proxy that only tunnels (RFC 9110 §9.3.6 CONNECT), as a corporate proxy in front of an API server
/// does: it reads the CONNECT head, opens the tunnel to a loopback target, answers 200 and copies bytes both ways.
/// It records every target it was asked for.
/// </summary>
internal sealed class ConnectProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<string> _targets = new();
    private readonly Task _accepting;

    private ConnectProxy()
    {
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public Uri Address => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");

    /// <summary>The <c>host:port</c> of every CONNECT, in order.</summary>
    public IReadOnlyList<string> Targets => [.. _targets];

    public static ConnectProxy Start() => new();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting.ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        var tunnels = new List<Task>();
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                tunnels.Add(TunnelAsync(client));
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        await Task.WhenAll(tunnels);
    }

    private async Task TunnelAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var caller = client.GetStream();
                var head = await ReadHeadAsync(caller);
                var parts = head.Split(' ', 3);
                if (parts is not ["CONNECT", var target, _] || !IPEndPoint.TryParse(target, out var endpoint) || !IPAddress.IsLoopback(endpoint.Address))
                {
                    await caller.WriteAsync("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n"u8.ToArray(), _stop.Token);
                    return;
                }

                _targets.Enqueue(target);
                using var upstream = new TcpClient();
                await upstream.ConnectAsync(endpoint, _stop.Token);
                await caller.WriteAsync("HTTP/1.1 200 Connection established\r\n\r\n"u8.ToArray(), _stop.Token);
                var server = upstream.GetStream();
                await Task.WhenAny(caller.CopyToAsync(server, _stop.Token), server.CopyToAsync(caller, _stop.Token));
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }
    }

    // The request line; the rest of the head up to its blank line is read and dropped (byte by byte: the tunnel's
    // first bytes follow it, and none may be read past it).
    private async Task<string> ReadHeadAsync(NetworkStream caller)
    {
        var head = new List<byte>();
        var one = new byte[1];
        while (head.Count < 8192 && !(head.Count >= 4 && head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n'))
        {
            if (await caller.ReadAsync(one, _stop.Token) == 0)
            {
                throw new IOException("the caller closed before the end of its CONNECT head");
            }

            head.Add(one[0]);
        }

        var text = Encoding.ASCII.GetString([.. head]);
        return text[..text.IndexOf("\r\n", StringComparison.Ordinal)];
    }
}
