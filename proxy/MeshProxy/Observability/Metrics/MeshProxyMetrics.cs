using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Reflection;
using MeshProxy.Configuration.Reload;
using MeshProxy.Grpc;
using MeshProxy.Routing;
using L = MeshProxy.Observability.Metrics.MetricLabels;

namespace MeshProxy.Observability.Metrics;

/// <summary>
/// Every MeshProxy metric, defined once, with one typed method per event. Each sidecar owns its own
/// <see cref="Meter"/> (tests run several in one process) and its <see cref="MetricsCollector"/>; the ops listener
/// exposes them at <c>/metrics</c>. Names follow Prometheus conventions: one <c>meshproxy_</c> prefix, base units
/// (seconds), <c>_total</c> added to counters by the exposition.
/// </summary>
internal sealed partial class MeshProxyMetrics : IDisposable
{
    public const string MeterName = "MeshProxy";

    // Request latency from 0.5 ms (a sidecar hop on loopback) to 5 minutes (long streams end eventually).
    private static readonly double[] LatencyBounds = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
    private static readonly string[] HttpStatusNames = Enumerable.Range(0, 600).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();

    private readonly Meter _meter;
    private readonly ProxySnapshotProvider _snapshots;

    private readonly Counter<long> _requests;
    private readonly Histogram<double> _requestDuration;
    private readonly UpDownCounter<long> _activeRequests;
    private readonly Histogram<double> _attemptDuration;
    private readonly Counter<long> _retries;
    private readonly Counter<long> _retrySuccesses;
    private readonly Counter<long> _retryBudgetExhausted;
    private readonly Counter<long> _ejections;
    private readonly Counter<long> _transcodingRequests;
    private readonly Counter<long> _transcodingErrors;
    private readonly Counter<long> _configReloads;
    private readonly Counter<long> _connections;
    private readonly UpDownCounter<long> _activeConnections;
    private readonly Counter<long> _accessLogDropped;

    private volatile ConfigState? _config;

    public MeshProxyMetrics(ProxySnapshotProvider snapshots)
    {
        _snapshots = snapshots;
        _meter = new Meter(MeterName, BuildVersion);
        Collector = new MetricsCollector(_meter);

        // Requests, counted once when the call has fully ended (streams included).
        _requests = _meter.CreateCounter<long>("meshproxy_requests", description: "Calls by final outcome, counted once at stream end with the grpc-status the caller got.");
        _requestDuration = _meter.CreateHistogram("meshproxy_request_duration_seconds", "s", "Time from a call's request headers to its end (last message and trailers).", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBounds });
        _activeRequests = _meter.CreateUpDownCounter<long>("meshproxy_requests_active", description: "Calls in flight; on the gRPC listener each call is one HTTP/2 stream, so this is also the number of active streams.");
        _attemptDuration = _meter.CreateHistogram("meshproxy_upstream_attempt_duration_seconds", "s", "Time of one forwarding attempt to one backend destination, by the grpc-status it ended with.", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBounds });

        // Traffic policy (recorded by retries and outlier detection).
        _retries = _meter.CreateCounter<long>("meshproxy_retries", description: "Retry attempts, by the reason that triggered them.");
        _retrySuccesses = _meter.CreateCounter<long>("meshproxy_retry_successes", description: "Calls that succeeded on a retry.");
        _retryBudgetExhausted = _meter.CreateCounter<long>("meshproxy_retry_budget_exhausted", description: "Retries not attempted because the retry budget was exhausted.");
        _ejections = _meter.CreateCounter<long>("meshproxy_outlier_ejections", description: "Outlier ejections of backend destinations, by reason.");
        _meter.CreateObservableGauge("meshproxy_outlier_ejected_hosts", ObserveEjectedHosts, description: "Destinations currently ejected, per cluster.");
        _meter.CreateObservableGauge("meshproxy_cluster_endpoints", ObserveEndpoints, description: "Destinations per cluster, by state (active or ejected).");
        _meter.CreateObservableGauge("meshproxy_upstream_requests_active", ObserveUpstreamInFlight, description: "Calls in flight to each destination.");
        _meter.CreateObservableGauge("meshproxy_route_backend_weight", ObserveWeights, description: "Configured weight of each backend cluster of a route (the canary split).");

        // Transcoding (REST listener).
        _transcodingRequests = _meter.CreateCounter<long>("meshproxy_transcoding_requests", description: "REST calls transcoded to gRPC, by HTTP status returned.");
        _transcodingErrors = _meter.CreateCounter<long>("meshproxy_transcoding_errors", description: "REST calls that failed in transcoding, by stage (request, response, route).");

        // Configuration.
        _configReloads = _meter.CreateCounter<long>("meshproxy_config_reloads", description: "Config reloads by result (applied or refused).");
        _meter.CreateObservableGauge("meshproxy_config_last_reload_successful", ObserveLastReloadSuccessful, description: "1 when the latest config file content is live, 0 when the last edit was refused.");
        _meter.CreateObservableGauge("meshproxy_config_last_reload_success_timestamp_seconds", ObserveLastSuccessTime, "s", "Unix time the live config was applied.");
        _meter.CreateObservableGauge("meshproxy_config_info", ObserveConfigInfo, description: "The live config: version label and generation.");

        // Process.
        _connections = _meter.CreateCounter<long>("meshproxy_connections", description: "Connections accepted, per listener.");
        _activeConnections = _meter.CreateUpDownCounter<long>("meshproxy_connections_active", description: "Connections open, per listener.");
        _accessLogDropped = _meter.CreateCounter<long>("meshproxy_access_log_dropped", description: "Access log lines dropped because the writer fell behind.");
        _meter.CreateObservableGauge("meshproxy_build_info", () => new Measurement<long>(1, new KeyValuePair<string, object?>(L.Version, BuildVersion), new KeyValuePair<string, object?>("runtime", Environment.Version.ToString())), description: "Always 1; labels carry the MeshProxy version and .NET runtime.");
    }

    /// <summary>The version the assembly was built as (informational version without the source revision).</summary>
    public static string BuildVersion { get; } = ReadBuildVersion();

    public MetricsCollector Collector { get; }

    /// <summary>A gRPC-listener call started (pair with <see cref="RequestEnded"/>).</summary>
    public void RequestStarted(string protocol) => _activeRequests.Add(1, new KeyValuePair<string, object?>(L.Protocol, protocol));

    /// <summary>A call fully ended: counts it once with its final grpc-status and records its latency.</summary>
    public void RequestEnded(string protocol, string route, string cluster, StatusCode status, TimeSpan duration)
    {
        _activeRequests.Add(-1, new KeyValuePair<string, object?>(L.Protocol, protocol));
        var tags = new TagList
        {
            { L.Protocol, protocol },
            { L.Route, route },
            { L.Cluster, cluster },
            { L.GrpcStatus, GrpcStatusLabel.For(status) },
        };
        _requests.Add(1, tags);
        _requestDuration.Record(duration.TotalSeconds, tags);
    }

    /// <summary>One forwarding attempt to <paramref name="backend"/> (a destination of <paramref name="cluster"/>) ended.</summary>
    public void RecordAttempt(string route, string cluster, string backend, StatusCode status, TimeSpan duration) =>
        _attemptDuration.Record(duration.TotalSeconds, new TagList
        {
            { L.Route, route },
            { L.Cluster, cluster },
            { L.Backend, backend },
            { L.GrpcStatus, GrpcStatusLabel.For(status) },
        });

    /// <summary>A retry is about to be sent; <paramref name="reason"/> is the retryOn condition that matched (e.g. "unavailable", "reset").</summary>
    public void RecordRetry(string route, string cluster, string reason) =>
        _retries.Add(1, new KeyValuePair<string, object?>(L.Route, route), new KeyValuePair<string, object?>(L.Cluster, cluster), new KeyValuePair<string, object?>(L.Reason, reason));

    /// <summary>A call succeeded on a retry (not on its first attempt).</summary>
    public void RecordRetrySuccess(string route, string cluster) =>
        _retrySuccesses.Add(1, new KeyValuePair<string, object?>(L.Route, route), new KeyValuePair<string, object?>(L.Cluster, cluster));

    /// <summary>A retry was wanted but the retry budget refused it.</summary>
    public void RecordRetryBudgetExhausted(string route, string cluster) =>
        _retryBudgetExhausted.Add(1, new KeyValuePair<string, object?>(L.Route, route), new KeyValuePair<string, object?>(L.Cluster, cluster));

    /// <summary>
    /// A destination of <paramref name="cluster"/> was ejected (e.g. reason "consecutive_5xx",
    /// "consecutive_gateway_failure"). Only the counter: the ejected-hosts and endpoint gauges read the live clusters'
    /// destinations at scrape, so a destination a reload removed while ejected stops counting with it.
    /// </summary>
    public void RecordEjection(string cluster, string reason) =>
        _ejections.Add(1, new KeyValuePair<string, object?>(L.Cluster, cluster), new KeyValuePair<string, object?>(L.Reason, reason));

    /// <summary>A REST call was transcoded and answered with <paramref name="httpStatus"/>.</summary>
    public void RecordTranscoding(string route, int httpStatus) =>
        _transcodingRequests.Add(1, new KeyValuePair<string, object?>(L.Route, route), new KeyValuePair<string, object?>(L.HttpStatus, HttpStatusLabel(httpStatus)));

    /// <summary>A REST call failed in transcoding at <paramref name="stage"/> ("route", "request", "response").</summary>
    public void RecordTranscodingError(string route, string stage) =>
        _transcodingErrors.Add(1, new KeyValuePair<string, object?>(L.Route, route), new KeyValuePair<string, object?>(L.Stage, stage));

    /// <summary>A config was applied: the first at start (<paramref name="reload"/> false) or a live reload.</summary>
    public void RecordConfigApplied(ConfigReloadStatus status, string? version, bool reload)
    {
        if (reload)
        {
            _configReloads.Add(1, new KeyValuePair<string, object?>(L.Result, "applied"));
        }

        _config = new ConfigState(version ?? string.Empty, status.Generation, status.AppliedAt, Successful: true);
    }

    /// <summary>A config edit was refused; the live config stays.</summary>
    public void RecordConfigRefused()
    {
        _configReloads.Add(1, new KeyValuePair<string, object?>(L.Result, "refused"));
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
        _connections.Add(1, new KeyValuePair<string, object?>(L.Listener, listener));
        _activeConnections.Add(1, new KeyValuePair<string, object?>(L.Listener, listener));
    }

    public void ConnectionClosed(string listener) => _activeConnections.Add(-1, new KeyValuePair<string, object?>(L.Listener, listener));

    public void RecordAccessLogDropped() => _accessLogDropped.Add(1);

    public void Dispose()
    {
        Collector.Dispose();
        _meter.Dispose();
    }

    private static string HttpStatusLabel(int status) =>
        (uint)status < (uint)HttpStatusNames.Length ? HttpStatusNames[status] : status.ToString(CultureInfo.InvariantCulture);

    private static string ReadBuildVersion()
    {
        var version = typeof(MeshProxyMetrics).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
        var plus = version.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? version : version[..plus];
    }

    private IEnumerable<Measurement<long>> ObserveWeights()
    {
        if (_snapshots.Current is not { } snapshot)
        {
            yield break;
        }

        foreach (var route in snapshot.Config.Routes)
        {
            foreach (var backend in route.Backends)
            {
                yield return new Measurement<long>(backend.Weight, new KeyValuePair<string, object?>(L.Route, route.Name), new KeyValuePair<string, object?>(L.Cluster, backend.Cluster));
            }
        }
    }

    private IEnumerable<Measurement<long>> ObserveEndpoints()
    {
        foreach (var cluster in LiveClusters())
        {
            var ejected = EjectedCount(cluster);
            yield return new Measurement<long>(cluster.Destinations.Count - ejected, new KeyValuePair<string, object?>(L.Cluster, cluster.Name), new KeyValuePair<string, object?>(L.State, "active"));
            yield return new Measurement<long>(ejected, new KeyValuePair<string, object?>(L.Cluster, cluster.Name), new KeyValuePair<string, object?>(L.State, "ejected"));
        }
    }

    private IEnumerable<Measurement<long>> ObserveEjectedHosts()
    {
        foreach (var cluster in LiveClusters())
        {
            yield return new Measurement<long>(EjectedCount(cluster), new KeyValuePair<string, object?>(L.Cluster, cluster.Name));
        }
    }

    // Counted from the live destinations, not from ejection/return events: a reload that drops an ejected destination
    // never reports its return, and one that keeps it hands the same DestinationState (still ejected) to the new cluster.
    private static int EjectedCount(TrafficPolicy.ClusterState cluster)
    {
        var ejected = 0;
        foreach (var destination in cluster.Destinations)
        {
            ejected += destination.Ejected ? 1 : 0;
        }

        return ejected;
    }

    private IEnumerable<Measurement<long>> ObserveUpstreamInFlight()
    {
        foreach (var cluster in LiveClusters())
        {
            foreach (var destination in cluster.Destinations)
            {
                yield return new Measurement<long>(destination.InFlight, new KeyValuePair<string, object?>(L.Cluster, cluster.Name), new KeyValuePair<string, object?>(L.Backend, destination.Name));
            }
        }
    }

    private IEnumerable<TrafficPolicy.ClusterState> LiveClusters()
    {
        if (_snapshots.Current is not { } snapshot)
        {
            return [];
        }

        // Every cluster a route can reach, once each, in config order.
        var seen = new HashSet<TrafficPolicy.ClusterState>();
        var result = new List<TrafficPolicy.ClusterState>();
        foreach (var route in snapshot.Routes.Routes)
        {
            foreach (var cluster in route.Backends.Clusters)
            {
                if (seen.Add(cluster))
                {
                    result.Add(cluster);
                }
            }
        }

        return result;
    }

    private IEnumerable<Measurement<long>> ObserveLastReloadSuccessful()
    {
        if (_config is { } config)
        {
            yield return new Measurement<long>(config.Successful ? 1 : 0);
        }
    }

    private IEnumerable<Measurement<double>> ObserveLastSuccessTime()
    {
        if (_config is { } config)
        {
            yield return new Measurement<double>(config.AppliedAt.ToUnixTimeMilliseconds() / 1000.0);
        }
    }

    private IEnumerable<Measurement<long>> ObserveConfigInfo()
    {
        if (_config is { } config)
        {
            yield return new Measurement<long>(1, new KeyValuePair<string, object?>(L.Version, config.Version), new KeyValuePair<string, object?>("generation", config.Generation.ToString(CultureInfo.InvariantCulture)));
        }
    }

    private sealed record ConfigState(string Version, long Generation, DateTimeOffset AppliedAt, bool Successful);
}
