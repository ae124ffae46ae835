using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace MeshProxy.TestSupport;

/// <summary>How a <see cref="DnsResponder"/> treats queries.</summary>
public enum DnsResponderMode
{
    /// <summary>Answer from the table: the records of a known name (possibly none of the asked type), NXDOMAIN otherwise.</summary>
    Answer,

    /// <summary>Answer every query SERVFAIL (RFC 1035 RCODE 2), as a resolver whose upstream is down does.</summary>
    ServerFailure,

    /// <summary>Read queries and never answer, as a dead resolver behind a live port.</summary>
    Silent,
}

/// <summary>
/// A small authoritative DNS server on 127.0.0.1 UDP port 0 for discovery tests: it answers A and AAAA queries
/// (RFC 1035 section 4 message format) from a table the test changes at run time, each name with its own TTL. Every
/// other query type gets an empty NOERROR answer for a known name and NXDOMAIN for an unknown one. Counts queries by
/// name and type so a test can see when the sidecar asked.
/// </summary>
public sealed class DnsResponder : IAsyncDisposable
{
    private const ushort TypeA = 1;
    private const ushort TypeAaaa = 28;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, (uint Ttl, IPAddress[] Addresses)> _records = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<(Func<string, ushort, bool> Match, TaskCompletionSource Done)> _waiters = [];
    private readonly UdpClient _socket;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _loop;
    private volatile DnsResponderMode _mode;
    private int _queries;

    private DnsResponder()
    {
        _socket = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        EndPoint = (IPEndPoint)_socket.Client.LocalEndPoint!;
        _loop = Task.Run(() => ServeAsync(_stopping.Token));
    }

    public IPEndPoint EndPoint { get; }

    /// <summary><c>127.0.0.1:PORT</c>, the form of <c>discovery.dnsResolver</c>.</summary>
    public string Address => EndPoint.ToString();

    /// <summary>Queries received so far (answered or not).</summary>
    public int Queries => Volatile.Read(ref _queries);

    public DnsResponderMode Mode
    {
        get => _mode;
        set => _mode = value;
    }

    public static DnsResponder Start() => new();

    /// <summary>Replaces the records of <paramref name="name"/>: every address (A or AAAA by family) with <paramref name="ttl"/>.</summary>
    public void Set(string name, TimeSpan ttl, params IPAddress[] addresses)
    {
        lock (_lock)
        {
            _records[name.TrimEnd('.')] = ((uint)ttl.TotalSeconds, addresses);
        }
    }

    /// <summary>Forgets <paramref name="name"/>: its queries get NXDOMAIN.</summary>
    public void Remove(string name)
    {
        lock (_lock)
        {
            _records.Remove(name.TrimEnd('.'));
        }
    }

    /// <summary>Completes when a query for <paramref name="name"/> arrives after this call (any type).</summary>
    public Task NextQueryFor(string name)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            _waiters.Add(((n, _) => string.Equals(n, name.TrimEnd('.'), StringComparison.OrdinalIgnoreCase), done));
        }

        return done.Task;
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _socket.Dispose();
        try
        {
            await _loop;
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // Stopped.
        }

        _stopping.Dispose();
    }

    private async Task ServeAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            UdpReceiveResult request;
            try
            {
                request = await _socket.ReceiveAsync(stopping);
            }
            catch (SocketException) when (!stopping.IsCancellationRequested)
            {
                // ICMP port unreachable from a client that left reports here on some stacks: keep serving.
                continue;
            }

            if (Respond(request.Buffer) is { } response)
            {
                await _socket.SendAsync(response, request.RemoteEndPoint, stopping);
            }
        }
    }

    // Header (12 bytes) + one question; EDNS OPT records in the additional section are ignored (and not echoed, which
    // RFC 6891 permits for a server without EDNS support).
    private byte[]? Respond(byte[] query)
    {
        if (query.Length < 12 || !TryReadQuestion(query, out var name, out var type, out var questionEnd))
        {
            return null;
        }

        Interlocked.Increment(ref _queries);
        uint ttl = 0;
        IPAddress[]? addresses = null;
        lock (_lock)
        {
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(name, type))
                {
                    _waiters[i].Done.TrySetResult();
                    _waiters.RemoveAt(i);
                }
            }

            if (_records.TryGetValue(name, out var entry))
            {
                (ttl, addresses) = entry;
            }
        }

        var mode = _mode;
        if (mode == DnsResponderMode.Silent)
        {
            return null;
        }

        var rcode = mode == DnsResponderMode.ServerFailure ? 2 : addresses is null ? 3 : 0;
        var answers = rcode == 0
            ? addresses!.Where(a => (type == TypeA && a.AddressFamily == AddressFamily.InterNetwork)
                || (type == TypeAaaa && a.AddressFamily == AddressFamily.InterNetworkV6)).ToArray()
            : [];

        using var response = new MemoryStream();
        Span<byte> header = stackalloc byte[12];
        header[0] = query[0];
        header[1] = query[1];

        // QR=1, opcode copied, AA=1, RD copied; RA=1 and the RCODE.
        header[2] = (byte)(0x80 | (query[2] & 0x78) | 0x04 | (query[2] & 0x01));
        header[3] = (byte)(0x80 | rcode);
        BinaryPrimitives.WriteUInt16BigEndian(header[4..], 1);
        BinaryPrimitives.WriteUInt16BigEndian(header[6..], (ushort)answers.Length);
        response.Write(header);
        response.Write(query.AsSpan(12, questionEnd - 12));
        Span<byte> record = stackalloc byte[12];
        foreach (var address in answers)
        {
            var data = address.GetAddressBytes();
            BinaryPrimitives.WriteUInt16BigEndian(record, 0xC00C); // a pointer to the question's name
            BinaryPrimitives.WriteUInt16BigEndian(record[2..], type);
            BinaryPrimitives.WriteUInt16BigEndian(record[4..], 1); // class IN
            BinaryPrimitives.WriteUInt32BigEndian(record[6..], ttl);
            BinaryPrimitives.WriteUInt16BigEndian(record[10..], (ushort)data.Length);
            response.Write(record);
            response.Write(data);
        }

        return response.ToArray();
    }

    // QNAME is a sequence of length-prefixed labels ending with a zero length (no compression in a question).
    private static bool TryReadQuestion(byte[] query, out string name, out ushort type, out int end)
    {
        name = string.Empty;
        type = 0;
        end = 0;
        var labels = new List<string>();
        var offset = 12;
        while (offset < query.Length && query[offset] != 0)
        {
            var length = query[offset];
            if (length > 63 || offset + 1 + length > query.Length)
            {
                return false;
            }

            labels.Add(System.Text.Encoding.ASCII.GetString(query, offset + 1, length));
            offset += 1 + length;
        }

        if (offset + 5 > query.Length)
        {
            return false;
        }

        name = string.Join('.', labels);
        type = BinaryPrimitives.ReadUInt16BigEndian(query.AsSpan(offset + 1));
        end = offset + 5;
        return true;
    }
}
