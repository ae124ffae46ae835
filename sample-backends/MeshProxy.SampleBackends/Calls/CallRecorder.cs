using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;

namespace MeshProxy.SampleBackends.Calls;

/// <summary>
/// Counts the gRPC calls a backend received per method and keeps the last call of each, so traffic-policy tests can
/// assert how many attempts reached this backend and what headers the proxy sent. Every call counts, failed or not.
/// </summary>
internal sealed class CallRecorder
{
    private readonly ConcurrentDictionary<string, MethodCalls> _methods = new(StringComparer.Ordinal);
    private long _total;
    private volatile ObservedCall? _lastCallAny;

    /// <summary>Every call received, on any method.</summary>
    public long TotalCalls => Interlocked.Read(ref _total);

    /// <summary>The calls received on a method, named "/pkg.Svc/Method" or "pkg.Svc/Method".</summary>
    public long CallCount(string method) =>
        _methods.TryGetValue(Normalize(method), out var calls) ? Interlocked.Read(ref calls.Count) : 0;

    /// <summary>The last call received on a method, or null when there was none.</summary>
    public ObservedCall? LastCall(string method) =>
        _methods.TryGetValue(Normalize(method), out var calls) ? calls.Last : null;

    /// <summary>The last call received on any method, or null.</summary>
    public ObservedCall? LastCallAny => _lastCallAny;

    public void Reset()
    {
        _methods.Clear();
        Interlocked.Exchange(ref _total, 0);
        _lastCallAny = null;
    }

    public void Record(string method, HttpRequest request, DateTimeOffset now)
    {
        // A test backend copies the headers of every call: the cost is small next to what it lets tests assert.
        var headers = new Dictionary<string, string>(request.Headers.Count, StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in request.Headers)
        {
            headers[name.ToLowerInvariant()] = values.ToString();
        }

        var observed = new ObservedCall(method, request.Host.Value ?? string.Empty, headers, now);
        var calls = _methods.GetOrAdd(method, static _ => new MethodCalls());
        Interlocked.Increment(ref calls.Count);
        calls.Last = observed;
        Interlocked.Increment(ref _total);
        _lastCallAny = observed;
    }

    private static string Normalize(string method) => method.StartsWith('/') ? method : "/" + method;

    private sealed class MethodCalls
    {
        public long Count;
        public volatile ObservedCall? Last;
    }
}
