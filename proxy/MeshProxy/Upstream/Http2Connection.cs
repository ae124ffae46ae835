using System.Buffers.Binary;
using System.Net.Sockets;
using MeshProxy.IO;
using MeshProxy.Upstream.Hpack;

namespace MeshProxy.Upstream;

/// <summary>
/// One multiplexed h2c connection to a destination (RFC 9113, prior knowledge): the lean client's unit of work.
/// </summary>
/// <remarks>
/// <para>One lock guards everything that changes: the streams, both flow-control windows and the output buffer. Frames
/// are appended under it and sent by <see cref="Flush"/>. A call opens its stream and runs its request content as far
/// as it goes without waiting before it flushes, so a unary call's HEADERS, DATA and END_STREAM leave in one socket
/// write (SocketsHttpHandler sends HEADERS and DATA apart; docs/benchmarks.md, "Light load"), and the window updates and
/// acks of one read go together. Under load, flushes wait behind queued work so that many calls share a write.</para>
/// <para>The read loop handles a whole received batch of frames synchronously (decode, copy DATA into the stream,
/// signal readers) and never waits for a reader: each stream's receive window bounds what it may buffer.</para>
/// </remarks>
internal sealed partial class Http2Connection : IThreadPoolWorkItem
{
    /// <summary>What we allow the server to send on a stream before the proxy has read it (SETTINGS_INITIAL_WINDOW_SIZE).</summary>
    public const int StreamReceiveWindow = 1024 * 1024;

    /// <summary>The connection's receive window: credit is returned as DATA arrives, so this only batches WINDOW_UPDATEs.</summary>
    public const int ConnectionReceiveWindow = 16 * 1024 * 1024;

    /// <summary>The largest decoded header list we accept (SETTINGS_MAX_HEADER_LIST_SIZE).</summary>
    public const int MaxHeaderListSize = 64 * 1024;

    // Until the server's first SETTINGS arrive its stream limit is unknown: a burst sent on the assumption of 100 is
    // refused past a lower limit (Kestrel's can be 10), so a new connection carries one call until then.
    private const int StreamsBeforeSettings = 1;

    private readonly Socket _socket;
    private readonly Http2ConnectionPool _pool;
    private readonly Lock _lock = new();
    private readonly Dictionary<int, Http2Stream> _streams = [];
    private readonly HpackDecoder _decoder = new(maxHeaderListSize: MaxHeaderListSize);
    private OutputBuffer _pending = new();
    private OutputBuffer _sending = new();
    private bool _flushing;
    private int _nextStreamId = 1;
    private int _reserved;
    private int _maxConcurrentStreams = StreamsBeforeSettings;
    private bool _settingsReceived;
    private int _peerInitialWindow = Http2Wire.DefaultWindow;
    private int _peerMaxFrameSize = Http2Wire.DefaultMaxFrameSize;
    private long _connectionSendWindow = Http2Wire.DefaultWindow;
    private int _connectionUnacked;
    private int _goAwayLastStreamId = int.MaxValue;
    private Exception? _failure;
    private List<Http2Stream>? _windowWaiters;
    private long _lastReceived = Environment.TickCount64;
    private long _pingSentAt;

    private Http2Connection(Socket socket, Http2ConnectionPool pool)
    {
        _socket = socket;
        _pool = pool;
        LastActive = Environment.TickCount64;
    }

    /// <summary>Streams open or reserved; the pool reads it under its own lock, so it may be a moment stale.</summary>
    public int ActiveStreams => Volatile.Read(ref _reserved);

    /// <summary>True until the server's first SETTINGS: the pool waits for them rather than open another connection.</summary>
    public bool AwaitingSettings => !Volatile.Read(ref _settingsReceived);

    /// <summary>False once the server sent GOAWAY or the connection failed: no new stream goes here.</summary>
    public bool IsUsable => _failure is null && _goAwayLastStreamId == int.MaxValue;

    /// <summary><see cref="Environment.TickCount64"/> when the last stream ended (or the connection opened).</summary>
    public long LastActive { get; private set; }

    /// <summary>Connects, sends the preface and our SETTINGS, and starts the read loop.</summary>
    public static async Task<Http2Connection> ConnectAsync(Http2ConnectionPool pool, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(pool.Host, pool.Port, cancellationToken).ConfigureAwait(false);

            // Set on the connected socket: a streamed call's frames go out as they come, never held for an ACK.
            socket.NoDelay = true;
            EventThreadCompletions.TryEnable(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var connection = new Http2Connection(socket, pool);
        connection.WritePreface();
        connection.Flush();
        _ = connection.ReadLoopAsync();
        return connection;
    }

    /// <summary>Takes a stream slot if the server's limit allows one; the pool calls it under its lock.</summary>
    public bool TryReserve()
    {
        lock (_lock)
        {
            if (!IsUsable || _reserved >= _maxConcurrentStreams)
            {
                return false;
            }

            _reserved++;
            return true;
        }
    }

    /// <summary>Closes the socket; the streams still open fail with <paramref name="reason"/>.</summary>
    public void Abort(Exception reason)
    {
        List<Http2Stream> streams;
        lock (_lock)
        {
            if (_failure is not null)
            {
                return;
            }

            _failure = reason;
            streams = [.. _streams.Values];
            foreach (var stream in streams)
            {
                stream.Removed = true;
            }

            _streams.Clear();
            _reserved -= streams.Count;
        }

        _pool.OnConnectionClosed(this);
        foreach (var stream in streams)
        {
            stream.Fail(reason);
        }

        _socket.Dispose();
    }

    /// <summary>
    /// Verifies a connection that carries calls but has heard nothing for <paramref name="delay"/>: a PING, and the
    /// connection closed (its calls failed, so retries and outlier detection act) when no answer comes within
    /// <paramref name="timeout"/>, as SocketsHttpHandler's KeepAlivePingDelay / KeepAlivePingTimeout did for a cluster.
    /// </summary>
    public void KeepAlive(TimeSpan delay, TimeSpan timeout)
    {
        var now = Environment.TickCount64;
        bool ping;
        bool unanswered;
        lock (_lock)
        {
            if (_failure is not null)
            {
                return;
            }

            unanswered = _pingSentAt != 0 && now - _pingSentAt >= (long)timeout.TotalMilliseconds;
            ping = _pingSentAt == 0 && _streams.Count > 0 && now - Volatile.Read(ref _lastReceived) >= (long)delay.TotalMilliseconds;
            if (ping)
            {
                _pingSentAt = now;
                AppendFrame(Http2FrameHeader.Ping, 0, 0, stackalloc byte[8]);
            }
        }

        if (unanswered)
        {
            Abort(new HttpIOException(HttpRequestError.ResponseEnded, $"the upstream server did not answer a PING within {timeout.TotalSeconds:0.###}s"));
        }
        else if (ping)
        {
            Flush();
        }
    }

    /// <summary>Closes the connection if no stream uses it; the pool's idle sweep calls it.</summary>
    public bool CloseIfIdle()
    {
        lock (_lock)
        {
            if (_reserved > 0 || _failure is not null)
            {
                return false;
            }
        }

        Abort(new HttpRequestException(HttpRequestError.ConnectionError, "the idle connection was closed by the proxy"));
        return true;
    }
}
