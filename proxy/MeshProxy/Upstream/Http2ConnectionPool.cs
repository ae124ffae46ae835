using System.Net.Sockets;

namespace MeshProxy.Upstream;

/// <summary>
/// The lean client's connections to one destination: a call takes a stream slot on the first connection with one
/// free; when none has, another connection is opened (<c>connectionsPerDestination: multiple</c>) or the call waits for
/// a slot (<c>single</c>). One connect runs at a time, and every call waiting for it shares its result.
/// </summary>
internal sealed class Http2ConnectionPool
{
    private readonly Lock _lock = new();
    private readonly List<Http2Connection> _connections = [];
    private readonly bool _multiple;
    private readonly TimeSpan _connectTimeout;
    private Task<Http2Connection>? _connecting;
    private TaskCompletionSource? _slotFreed;

    public Http2ConnectionPool(string host, int port, bool multiple, TimeSpan connectTimeout)
    {
        Host = host;
        Port = port;
        Authority = port == 80 ? host : $"{host}:{port}";
        _multiple = multiple;
        _connectTimeout = connectTimeout;
    }

    public string Host { get; }

    public int Port { get; }

    /// <summary>The :authority of calls that carry no Host header.</summary>
    public string Authority { get; }

    /// <summary>
    /// Sends <paramref name="request"/> on a stream of a connection with a free slot. A slot found at once (the common
    /// case on a warm pool) returns the stream's own task: no state machine of this layer per call.
    /// </summary>
    public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CallerHeaders? caller, CancellationToken cancellationToken)
    {
        var acquiring = AcquireAsync(cancellationToken);
        return acquiring.IsCompletedSuccessfully
            ? new Http2Stream(acquiring.Result, request, caller).SendAsync(cancellationToken)
            : SendWhenAcquiredAsync(acquiring, request, caller, cancellationToken);
    }

    private static async Task<HttpResponseMessage> SendWhenAcquiredAsync(ValueTask<Http2Connection> acquiring, HttpRequestMessage request, CallerHeaders? caller, CancellationToken cancellationToken)
    {
        var connection = await acquiring.ConfigureAwait(false);
        return await new Http2Stream(connection, request, caller).SendAsync(cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<Http2Connection> AcquireAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task waitFor;
            lock (_lock)
            {
                var settingsPending = false;
                foreach (var connection in _connections)
                {
                    if (connection.TryReserve())
                    {
                        return connection;
                    }

                    settingsPending |= connection.AwaitingSettings && connection.IsUsable;
                }

                // A connection whose server has not yet said its limit may allow every waiting call: wait for that
                // rather than open one connection per call of a cold burst.
                if (_connecting is null && !settingsPending && (_multiple || _connections.Count == 0))
                {
                    _connecting = ConnectAsync();
                }

                waitFor = _connecting ?? (_slotFreed ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
            }

            await waitFor.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<Http2Connection> ConnectAsync()
    {
        // Run the connect outside the caller's lock and stack.
        await Task.Yield();
        try
        {
            using var timeout = new CancellationTokenSource(_connectTimeout);
            Http2Connection connection;
            try
            {
                connection = await Http2Connection.ConnectAsync(this, timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException ex) when (timeout.IsCancellationRequested)
            {
                throw new HttpRequestException(HttpRequestError.ConnectionError, $"connecting to {Authority} timed out after {_connectTimeout.TotalSeconds:0.###}s", new TimeoutException(ex.Message, ex));
            }
            catch (SocketException ex)
            {
                throw new HttpRequestException(HttpRequestError.ConnectionError, $"{ex.Message} ({Authority})", ex);
            }

            lock (_lock)
            {
                _connections.Add(connection);
            }

            return connection;
        }
        finally
        {
            lock (_lock)
            {
                _connecting = null;
            }
        }
    }

    /// <summary>A stream ended or the server raised its limit: calls waiting for a slot try again.</summary>
    public void OnSlotFreed()
    {
        TaskCompletionSource? waiters;
        lock (_lock)
        {
            waiters = _slotFreed;
            _slotFreed = null;
        }

        waiters?.TrySetResult();
    }

    /// <summary>The connection takes no new streams (GOAWAY or failure).</summary>
    public void OnConnectionClosed(Http2Connection connection)
    {
        lock (_lock)
        {
            _connections.Remove(connection);
        }

        OnSlotFreed();
    }

    /// <summary>Closes connections that carried no stream for <paramref name="idleFor"/>, and pings quiet busy ones.</summary>
    public void Sweep(TimeSpan idleFor, TimeSpan pingDelay, TimeSpan pingTimeout)
    {
        Http2Connection[] connections;
        lock (_lock)
        {
            connections = [.. _connections];
        }

        var cutoff = Environment.TickCount64 - (long)idleFor.TotalMilliseconds;
        foreach (var connection in connections)
        {
            if (connection.ActiveStreams == 0 && connection.LastActive < cutoff)
            {
                connection.CloseIfIdle();
            }
            else
            {
                connection.KeepAlive(pingDelay, pingTimeout);
            }
        }
    }

    public void Dispose()
    {
        Http2Connection[] connections;
        lock (_lock)
        {
            connections = [.. _connections];
        }

        foreach (var connection in connections)
        {
            connection.Abort(new ObjectDisposedException(nameof(Http2ConnectionPool), "the cluster's client was disposed"));
        }
    }
}
