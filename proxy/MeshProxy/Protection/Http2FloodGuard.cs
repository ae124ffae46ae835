using System.IO.Pipelines;
using MeshProxy.Hosting;
using MeshProxy.Observability;
using MeshProxy.Observability.Metrics;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MeshProxy.Protection;

/// <summary>
/// The HTTP/2 frame-flood guard of a gRPC listener (h2c, or the mTLS listener after TLS): connection middleware that
/// puts <see cref="FloodScanningReader"/> and <see cref="GoAwayWriter"/> between the transport and Kestrel. Past a
/// budget of <see cref="Http2FloodDetector"/> the client gets GOAWAY(last stream id seen, ENHANCE_YOUR_CALM) with a
/// short debug string, the trip is counted (<c>meshproxy_http2_flood_goaways_total{listener, frame}</c>) and logged,
/// and the connection is closed. Kestrel counts none of these frames itself (docs/reliability.md).
/// </summary>
internal static class Http2FloodGuard
{
    /// <summary>
    /// How long a tripped connection is read and discarded after its GOAWAY before it is closed. Closing a socket with
    /// unread input makes TCP answer with a reset, which may destroy the GOAWAY before the client reads it (the
    /// "lingering close" of HTTP servers); Go's HTTP/2 server waits one second after its GOAWAY too.
    /// </summary>
    private static readonly TimeSpan Linger = TimeSpan.FromSeconds(1);

    /// <summary>Adds the guard to a listener; call after its TLS middleware, so the guard sees frames, not records.</summary>
    public static void Guard(IConnectionBuilder listen, ListenerName name, ProtectionOptions options)
    {
        if (!options.Http2FloodGuard)
        {
            return;
        }

        var services = listen.ApplicationServices;
        var metrics = services.GetRequiredService<MeshProxyMetrics>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(Http2FloodGuard).FullName!);
        var time = services.GetRequiredService<TimeProvider>();
        var label = name.ToString().ToLowerInvariant();
        listen.Use(next => async connection =>
        {
            var transport = connection.Transport;
            var detector = new Http2FloodDetector(options, time);
            var output = new GoAwayWriter(transport.Output, detector);
            var input = new FloodScanningReader(transport.Input, detector, () => CloseAsync(connection, transport.Input, output, detector, label, metrics, logger));
            connection.Transport = new DuplexPipe(input, output);
            try
            {
                await next(connection).ConfigureAwait(false);
            }
            finally
            {
                connection.Transport = transport;
            }
        });
    }

    private static async Task CloseAsync(ConnectionContext connection, PipeReader input, GoAwayWriter output, Http2FloodDetector detector, string listener, MeshProxyMetrics metrics, ILogger logger)
    {
        var frame = Label(detector.Tripped);
        metrics.RecordFloodGoAway(listener, frame);
        ProtectionLog.Http2FloodGoAway(logger, listener, frame, detector.TrippedCount, connection.RemoteEndPoint?.ToString() ?? "?", detector.LastStreamId);

        using var linger = new CancellationTokenSource(Linger);
        try
        {
            // Kestrel writes the GOAWAY with its next flush if it is writing now; give up waiting when the linger ends.
            await output.SendGoAwayAsync(detector.LastStreamId, $"{frame} flood").WaitAsync(linger.Token).ConfigureAwait(false);

            // Discard what the client still sends until it closes, or the linger ends.
            while (true)
            {
                var result = await input.ReadAsync(linger.Token).ConfigureAwait(false);
                input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or ConnectionAbortedException or InvalidOperationException)
        {
            // The linger ended, or the connection is already gone: close it either way.
        }

        connection.Abort(new ConnectionAbortedException($"HTTP/2 {frame} flood"));
    }

    /// <summary>The metric label of a frame kind (bounded: one per kind).</summary>
    public static string Label(Http2FloodFrame frame) => frame switch
    {
        Http2FloodFrame.RstStream => "rst_stream",
        Http2FloodFrame.Ping => "ping",
        Http2FloodFrame.Settings => "settings",
        Http2FloodFrame.Priority => "priority",
        Http2FloodFrame.WindowUpdate => "window_update",
        Http2FloodFrame.EmptyFrames => "empty",
        Http2FloodFrame.Continuation => "continuation",
        _ => "none",
    };

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
