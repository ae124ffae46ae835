using System.Buffers;
using System.Text.Json;
using System.Threading.Channels;
using MeshProxy.Configuration;
using MeshProxy.Observability.Metrics;
using MeshProxy.Routing;
using Microsoft.Extensions.Logging;

namespace MeshProxy.Observability.AccessLog;

/// <summary>
/// The JSON access log (<c>accessLog:</c>), one line per call. Requests never wait for it: a line goes into a bounded
/// channel and one background loop writes it out; when the channel is full the line is dropped and counted
/// (<c>meshproxy_access_log_dropped_total</c>). <c>enabled</c>, <c>sampleRate</c> and <c>path</c> follow config
/// reloads: each call reads the live snapshot, and the loop reopens its sink when the path changes.
/// </summary>
/// <remarks>
/// Lines are written at most every <see cref="FlushInterval"/>, as Envoy flushes its access logs on an interval (1 s by
/// default): written as they came, a sampled log under load cost a write system call and a thread-pool wake for nearly
/// every line, about 1 % of the proxy's CPU (docs/benchmarks.md). A batch of a quarter of the channel or more goes out
/// without the pause, so a log busier than the interval can hold is never held back into drops.
/// </remarks>
internal sealed class AccessLogWriter : IAsyncDisposable
{
    /// <summary>Lines that may wait for the writer before new ones are dropped.</summary>
    public const int Capacity = 4096;

    /// <summary>The pause after a small batch, so the next one collects what arrives meanwhile.</summary>
    public static readonly TimeSpan FlushInterval = TimeSpan.FromMilliseconds(100);

    private static readonly JsonEncodedText TimeName = JsonEncodedText.Encode("time");
    private static readonly JsonEncodedText MethodName = JsonEncodedText.Encode("method");
    private static readonly JsonEncodedText RouteName = JsonEncodedText.Encode("route");
    private static readonly JsonEncodedText ClusterName = JsonEncodedText.Encode("cluster");
    private static readonly JsonEncodedText BackendName = JsonEncodedText.Encode("backend");
    private static readonly JsonEncodedText DestinationName = JsonEncodedText.Encode("destination");
    private static readonly JsonEncodedText GrpcStatusName = JsonEncodedText.Encode("grpc_status");
    private static readonly JsonEncodedText HttpStatusName = JsonEncodedText.Encode("http_status");
    private static readonly JsonEncodedText DurationName = JsonEncodedText.Encode("duration_ms");
    private static readonly JsonEncodedText AttemptsName = JsonEncodedText.Encode("attempts");
    private static readonly JsonEncodedText RequestBytesName = JsonEncodedText.Encode("request_bytes");
    private static readonly JsonEncodedText ResponseBytesName = JsonEncodedText.Encode("response_bytes");
    private static readonly JsonEncodedText RequestIdName = JsonEncodedText.Encode("request_id");
    private static readonly JsonEncodedText TraceIdName = JsonEncodedText.Encode("trace_id");
    private static readonly JsonEncodedText CallerName = JsonEncodedText.Encode("caller");
    private static readonly JsonEncodedText RequestPrincipalName = JsonEncodedText.Encode("request_principal");

    private readonly Channel<AccessLogEntry> _lines = Channel.CreateBounded<AccessLogEntry>(new BoundedChannelOptions(Capacity)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });

    private readonly ProxySnapshotProvider _snapshots;
    private readonly MeshProxyMetrics _metrics;
    private readonly Random _random;
    private readonly ILogger _logger;
    private readonly Task _loop;
    private Stream? _sink;
    private string? _sinkPath;

    public AccessLogWriter(ProxySnapshotProvider snapshots, MeshProxyMetrics metrics, Random random, ILogger<AccessLogWriter> logger)
    {
        _snapshots = snapshots;
        _metrics = metrics;
        _random = random;
        _logger = logger;
        _loop = Task.Run(WriteLoopAsync);
    }

    /// <summary>Whether this call is logged: the live config enables the log and the call falls in the sample.</summary>
    public bool ShouldLog()
    {
        var config = _snapshots.Current?.Config.AccessLog;
        return config is { Enabled: true } && (config.SampleRate >= 1 || _random.NextDouble() < config.SampleRate);
    }

    /// <summary>Queues a line without waiting; a full queue drops it and counts the drop.</summary>
    public void Write(AccessLogEntry entry)
    {
        if (!_lines.Writer.TryWrite(entry))
        {
            _metrics.RecordAccessLogDropped();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _lines.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
        if (_sink is not null && _sinkPath != AccessLogConfig.Stdout)
        {
            await _sink.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Formats one line (JSON object and a newline).</summary>
    internal static void Format(AccessLogEntry entry, IBufferWriter<byte> output)
    {
        using (var json = new Utf8JsonWriter(output))
        {
            json.WriteStartObject();
            json.WriteString(TimeName, entry.Time.UtcDateTime);
            json.WriteString(MethodName, entry.Method);
            json.WriteString(RouteName, entry.Route);
            json.WriteString(ClusterName, entry.Cluster);
            json.WriteString(BackendName, entry.Backend);
            json.WriteString(DestinationName, entry.Destination);
            json.WriteNumber(GrpcStatusName, entry.GrpcStatus);
            json.WriteNumber(HttpStatusName, entry.HttpStatus);
            json.WriteNumber(DurationName, Math.Round(entry.DurationMs, 3));
            json.WriteNumber(AttemptsName, entry.Attempts);
            json.WriteNumber(RequestBytesName, entry.RequestBytes);
            json.WriteNumber(ResponseBytesName, entry.ResponseBytes);

            json.WriteString(RequestIdName, entry.RequestId);
            if (entry.TraceId is null)
            {
                json.WriteNull(TraceIdName);
            }
            else
            {
                json.WriteString(TraceIdName, entry.TraceId);
            }

            WriteStringOrNull(json, CallerName, entry.Caller);
            WriteStringOrNull(json, RequestPrincipalName, entry.RequestPrincipal);

            json.WriteEndObject();
        }

        output.Write("\n"u8);
    }

    private static void WriteStringOrNull(Utf8JsonWriter json, JsonEncodedText name, string? value)
    {
        if (value is null)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, value);
        }
    }

    private async Task WriteLoopAsync()
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        var reader = _lines.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            // Everything queued now goes out in one write and one flush.
            var lines = 0;
            while (reader.TryRead(out var entry))
            {
                Format(entry, buffer);
                lines++;
            }

            var path = _snapshots.Current?.Config.AccessLog.Path ?? AccessLogConfig.Stdout;
            try
            {
                var sink = Sink(path);
                if (sink is not null)
                {
                    await sink.WriteAsync(buffer.WrittenMemory).ConfigureAwait(false);
                    await sink.FlushAsync().ConfigureAwait(false);
                }
            }
            catch (IOException ex)
            {
                ObservabilityLog.AccessLogWriteFailed(_logger, path, ex);
            }

            buffer.ResetWrittenCount();
            if (lines < Capacity / 4 && !reader.Completion.IsCompleted)
            {
                await Task.Delay(FlushInterval).ConfigureAwait(false);
            }
        }
    }

    private Stream? Sink(string path)
    {
        if (_sinkPath == path)
        {
            return _sink;
        }

        if (_sink is not null && _sinkPath != AccessLogConfig.Stdout)
        {
            _sink.Dispose();
        }

        _sink = null;
        _sinkPath = path;
        try
        {
            _sink = path == AccessLogConfig.Stdout
                ? Console.OpenStandardOutput()
                : new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0, useAsync: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            ObservabilityLog.AccessLogOpenFailed(_logger, path, ex);
        }

        return _sink;
    }
}
