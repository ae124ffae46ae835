using System.Reflection;
using MeshProxy.Configuration.Reload;
using MeshProxy.Grpc;
using MeshProxy.Routing;
using Prometheus;
using L = MeshProxy.Observability.Metrics.MetricLabels;

namespace MeshProxy.Observability.Metrics;

/// <summary>
/// Every MeshProxy metric, defined once on prometheus-net, with one typed method per event. Each sidecar owns its own
/// <see cref="CollectorRegistry"/> (tests run several in one process; prometheus-net's static default registry is never
/// used), which the ops listener serves at <c>/metrics</c>. Names follow Prometheus conventions: one <c>meshproxy_</c>
/// prefix, base units (seconds), counters named with <c>_total</c> (which OpenMetrics drops from the family name).
/// Help texts hold no backslash, quote or newline: prometheus-net writes them as they are.
/// </summary>
internal sealed partial class MeshProxyMetrics
{
    // Request latency from 0.5 ms (a sidecar hop on loopback) to 5 minutes (long streams end eventually).
    private static readonly double[] LatencyBounds = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

    private readonly ProxySnapshotProvider _snapshots;
    private readonly CallFamilies _calls;
    private readonly Gauge.Child[] _activeRequests;
    private readonly Counter _retries;
    private readonly Counter _retrySuccesses;
    private readonly Counter _retryBudgetExhausted;
    private readonly Counter _ejections;
    private readonly Counter _transcodingErrors;
    private readonly Counter _configReloads;
    private readonly Counter _connections;
    private readonly Gauge _activeConnections;
    private readonly Counter _accessLogDropped;

    private volatile CallSeriesCache _callSeries;

    public MeshProxyMetrics(ProxySnapshotProvider snapshots)
    {
        _snapshots = snapshots;
        Registry = Prometheus.Metrics.NewCustomRegistry();
        var factory = Prometheus.Metrics.WithCustomRegistry(Registry);

        // No exemplars. prometheus-net's default takes the trace context of Activity.Current, and ASP.NET Core starts an
        // Activity for every request whether or not anything exports it, so the trace ids would point nowhere.
        factory.ExemplarBehavior = new ExemplarBehavior();

        // Labelled series appear once they have recorded something, as Prometheus client libraries do; the per-call
        // cache below creates its children ahead of their first use.
        var labelled = new CounterConfiguration { SuppressInitialValue = true };
        var latency = new HistogramConfiguration { Buckets = LatencyBounds, SuppressInitialValue = true };

        // Requests, counted once when the call has fully ended (streams included).
        _calls = new CallFamilies(
            factory.CreateCounter("meshproxy_requests_total", "Calls by final outcome, counted once at stream end with the grpc-status the caller got.", [L.Protocol, L.Route, L.Cluster, L.GrpcStatus], labelled),
            factory.CreateHistogram("meshproxy_request_duration_seconds", "Time from a call's request headers to its end (last message and trailers).", [L.Protocol, L.Route, L.Cluster, L.GrpcStatus], latency),
            factory.CreateHistogram("meshproxy_upstream_attempt_duration_seconds", "Time of one forwarding attempt to one backend destination, by the grpc-status it ended with.", [L.Route, L.Cluster, L.Backend, L.GrpcStatus], latency),
            factory.CreateCounter("meshproxy_transcoding_requests_total", "REST calls transcoded to gRPC, by HTTP status returned.", [L.Route, L.HttpStatus], labelled));
        var active = factory.CreateGauge("meshproxy_requests_active", "Calls in flight; on the gRPC listener each call is one HTTP/2 stream, so this is also the number of active streams.", [L.Protocol], new GaugeConfiguration { SuppressInitialValue = true });
        _activeRequests = [.. Enum.GetValues<CallProtocol>().Select(p => active.WithLabels(CallFamilies.ProtocolLabel(p)))];
        _callSeries = CallSeriesCache.Build(_calls, snapshot: null);

        // Traffic policy (recorded by retries and outlier detection).
        _retries = factory.CreateCounter("meshproxy_retries_total", "Retry attempts, by the reason that triggered them.", [L.Route, L.Cluster, L.Reason], labelled);
        _retrySuccesses = factory.CreateCounter("meshproxy_retry_successes_total", "Calls that succeeded on a retry.", [L.Route, L.Cluster], labelled);
        _retryBudgetExhausted = factory.CreateCounter("meshproxy_retry_budget_exhausted_total", "Retries not attempted because the retry budget was exhausted.", [L.Route, L.Cluster], labelled);
        _ejections = factory.CreateCounter("meshproxy_outlier_ejections_total", "Outlier ejections of backend destinations, by reason.", [L.Cluster, L.Reason], labelled);
        _ejectedHosts = new LiveGauge(factory.CreateGauge("meshproxy_outlier_ejected_hosts", "Destinations currently ejected, per cluster.", [L.Cluster]));
        _endpoints = new LiveGauge(factory.CreateGauge("meshproxy_cluster_endpoints", "Destinations per cluster, by state (active or ejected).", [L.Cluster, L.State]));
        _upstreamInFlight = new LiveGauge(factory.CreateGauge("meshproxy_upstream_requests_active", "Calls in flight to each destination.", [L.Cluster, L.Backend]));
        _weights = new LiveGauge(factory.CreateGauge("meshproxy_route_backend_weight", "Configured weight of each backend cluster of a route (the canary split).", [L.Route, L.Cluster]));

        // Transcoding (REST listener).
        _transcodingErrors = factory.CreateCounter("meshproxy_transcoding_errors_total", "REST calls that failed in transcoding, by stage (request, response, route).", [L.Route, L.Stage], labelled);

        // Configuration.
        _configReloads = factory.CreateCounter("meshproxy_config_reloads_total", "Config reloads by result (applied or refused).", [L.Result], labelled);
        var unsetUntilConfig = new GaugeConfiguration { SuppressInitialValue = true };
        _lastReloadSuccessful = factory.CreateGauge("meshproxy_config_last_reload_successful", "1 when the latest config file content is live, 0 when the last edit was refused.", unsetUntilConfig);
        _lastSuccessTime = factory.CreateGauge("meshproxy_config_last_reload_success_timestamp_seconds", "Unix time the live config was applied.", unsetUntilConfig);
        _configInfo = new LiveGauge(factory.CreateGauge("meshproxy_config_info", "The live config: version label and generation.", [L.Version, "generation"]));

        // Process.
        _connections = factory.CreateCounter("meshproxy_connections_total", "Connections accepted, per listener.", [L.Listener], labelled);
        _activeConnections = factory.CreateGauge("meshproxy_connections_active", "Connections open, per listener.", [L.Listener], new GaugeConfiguration { SuppressInitialValue = true });
        _accessLogDropped = factory.CreateCounter("meshproxy_access_log_dropped_total", "Access log lines dropped because the writer fell behind.");
        factory.CreateGauge("meshproxy_build_info", "Always 1; labels carry the MeshProxy version and .NET runtime.", [L.Version, "runtime"])
            .WithLabels(BuildVersion, Environment.Version.ToString()).Set(1);

        // The gauges above that read live state are set just before each scrape (MeshProxyMetrics.Scrape.cs).
        Registry.AddBeforeCollectCallback(ObserveLiveState);
    }

    /// <summary>The version the assembly was built as (informational version without the source revision).</summary>
    public static string BuildVersion { get; } = ReadBuildVersion();

    /// <summary>This sidecar's metrics, for the ops listener's <c>/metrics</c>.</summary>
    public CollectorRegistry Registry { get; }

    /// <summary>A call started (pair with <see cref="RequestEnded"/>).</summary>
    public void RequestStarted(CallProtocol protocol) => _activeRequests[(int)protocol].Inc();

    /// <summary>A call fully ended: counts it once with its final grpc-status and records its latency.</summary>
    public void RequestEnded(CallProtocol protocol, string route, string cluster, StatusCode status, TimeSpan duration)
    {
        _activeRequests[(int)protocol].Dec();
        if (CallSeries().TryGet(route, cluster, out var series))
        {
            series.RecordCall(protocol, status, duration.TotalSeconds);
            return;
        }

        ReadOnlySpan<string> labels = [CallFamilies.ProtocolLabel(protocol), route, cluster, GrpcStatusLabel.For(status)];
        _calls.Requests.WithLabels(labels).Inc();
        _calls.RequestDuration.WithLabels(labels).Observe(duration.TotalSeconds);
    }

    /// <summary>One forwarding attempt to <paramref name="backend"/> (a destination of <paramref name="cluster"/>) ended.</summary>
    public void RecordAttempt(string route, string cluster, string backend, StatusCode status, TimeSpan duration)
    {
        if (!CallSeries().TryGet(route, cluster, out var series) || !series.TryRecordAttempt(backend, status, duration.TotalSeconds))
        {
            _calls.AttemptDuration.WithLabels([route, cluster, backend, GrpcStatusLabel.For(status)]).Observe(duration.TotalSeconds);
        }
    }

    /// <summary>A retry is about to be sent; <paramref name="reason"/> is the retryOn condition that matched (e.g. "unavailable", "reset").</summary>
    public void RecordRetry(string route, string cluster, string reason) => _retries.WithLabels([route, cluster, reason]).Inc();

    /// <summary>A call succeeded on a retry (not on its first attempt).</summary>
    public void RecordRetrySuccess(string route, string cluster) => _retrySuccesses.WithLabels([route, cluster]).Inc();

    /// <summary>A retry was wanted but the retry budget refused it.</summary>
    public void RecordRetryBudgetExhausted(string route, string cluster) => _retryBudgetExhausted.WithLabels([route, cluster]).Inc();

    /// <summary>
    /// A destination of <paramref name="cluster"/> was ejected (e.g. reason "consecutive_5xx",
    /// "consecutive_gateway_failure"). Only the counter: the ejected-hosts and endpoint gauges read the live clusters'
    /// destinations at scrape, so a destination a reload removed while ejected stops counting with it.
    /// </summary>
    public void RecordEjection(string cluster, string reason) => _ejections.WithLabels([cluster, reason]).Inc();

    /// <summary>A REST call was transcoded and answered with <paramref name="httpStatus"/>.</summary>
    public void RecordTranscoding(string route, int httpStatus)
    {
        if (CallSeries().TryGetRoute(route, out var series))
        {
            series.RecordTranscoding(httpStatus);
            return;
        }

        _calls.TranscodingRequests.WithLabels([route, HttpStatusLabel.For(httpStatus)]).Inc();
    }

    /// <summary>A REST call failed in transcoding at <paramref name="stage"/> ("route", "request", "response").</summary>
    public void RecordTranscodingError(string route, string stage) => _transcodingErrors.WithLabels([route, stage]).Inc();

    /// <summary>A config was applied: the first at start (<paramref name="reload"/> false) or a live reload.</summary>
    public void RecordConfigApplied(ConfigReloadStatus status, string? version, bool reload)
    {
        if (reload)
        {
            _configReloads.WithLabels(["applied"]).Inc();
        }

        _config = new ConfigState(version ?? string.Empty, status.Generation, status.AppliedAt, Successful: true);
    }

    /// <summary>A config edit was refused; the live config stays.</summary>
    public void RecordConfigRefused()
    {
        _configReloads.WithLabels(["refused"]).Inc();
        if (_config is { } live)
        {
            _config = live with { Successful = false };
        }
    }

    /// <summary>The live config is the file's content again after a refused edit.</summary>
    public void RecordConfigRestored()
    {
        if (_config is { } live)
        {
            _config = live with { Successful = true };
        }
    }

    public void ConnectionOpened(string listener)
    {
        _connections.WithLabels([listener]).Inc();
        _activeConnections.WithLabels([listener]).Inc();
    }

    public void ConnectionClosed(string listener) => _activeConnections.WithLabels([listener]).Dec();

    public void RecordAccessLogDropped() => _accessLogDropped.Inc();

    private static string ReadBuildVersion()
    {
        var version = typeof(MeshProxyMetrics).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
        var plus = version.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? version : version[..plus];
    }

    /// <summary>The cache of the live snapshot, rebuilt when a call first sees a new one (racing rebuilds are equivalent).</summary>
    private CallSeriesCache CallSeries()
    {
        var cache = _callSeries;
        var snapshot = _snapshots.Current;
        if (!ReferenceEquals(cache.Snapshot, snapshot))
        {
            cache = CallSeriesCache.Build(_calls, snapshot);
            _callSeries = cache;
        }

        return cache;
    }
}
