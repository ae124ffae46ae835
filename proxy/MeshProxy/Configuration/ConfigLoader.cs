using System.Collections.Immutable;
using MeshProxy.Configuration.Validation;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace MeshProxy.Configuration;

/// <summary>
/// Turns YAML text into a <see cref="MeshProxyConfig"/>: structure and types first (every unknown key and type error
/// with its path), then every semantic rule (<see cref="ConfigValidator"/>); all errors are collected before failing.
/// </summary>
internal static class ConfigLoader
{
    public static ConfigLoadResult LoadFile(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return ConfigLoadResult.Failure([new ConfigError(string.Empty, $"cannot read {path}: {ex.Message}")]);
        }

        return Load(text);
    }

    public static ConfigLoadResult Load(string yaml)
    {
        // An empty file is never meant: it is a truncated write or a ConfigMap key that went missing, and loading it
        // as "no routes" would drop all traffic (on a live reload, too).
        if (string.IsNullOrWhiteSpace(yaml.TrimStart('\uFEFF')))
        {
            return ConfigLoadResult.Failure([new ConfigError(string.Empty, "the config file is empty")]);
        }

        var errors = new ConfigErrors();
        YamlNode? root = null;
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(yaml));
            root = stream.Documents.Count > 0 ? stream.Documents[0].RootNode : null;
            if (stream.Documents.Count > 1)
            {
                errors.Add(string.Empty, "expected one YAML document, found several");
            }
        }
        catch (YamlException ex)
        {
            return ConfigLoadResult.Failure([new ConfigError(string.Empty, $"invalid YAML at line {ex.Start.Line}, column {ex.Start.Column}: {ex.InnerException?.Message ?? ex.Message}")]);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
        {
            // YamlDotNet 18 throws these instead of a YamlException on some malformed input: InvalidOperationException from
            // its scanner on a plain scalar (found by the config property test), ArgumentException "unsupported event"
            // on NUL bytes after a key (found by fuzz/run.sh config). Still the file's fault: an error, never a crash of
            // the start or the reload loop (issue 12).
            return ConfigLoadResult.Failure([new ConfigError(string.Empty, $"invalid YAML: {ex.Message}")]);
        }

        var config = ReadRoot(root, errors);
        ConfigValidator.Validate(config, errors);
        return errors.HasErrors ? ConfigLoadResult.Failure(errors.All) : ConfigLoadResult.Success(config);
    }

    private static MeshProxyConfig ReadRoot(YamlNode? root, ConfigErrors errors)
    {
        var map = YamlMapping.From(root, string.Empty, errors);
        var version = map.String("version");
        var listeners = ReadListeners(map.Node("listeners"), map.Child("listeners"), errors);
        var routes = map.Sequence("routes").Select(item => ReadRoute(item.Node, item.Path, errors)).ToImmutableArray();
        var clusters = map.NamedEntries("clusters").Select(e => ReadCluster(e.Name, e.Node, e.Path, errors)).ToImmutableArray();
        var accessLog = ObservabilityConfigReader.ReadAccessLog(map, errors);
        var tracing = ObservabilityConfigReader.ReadTracing(map, errors);
        var drain = DrainConfigReader.Read(map.Node("drain"), map.Child("drain"), errors);
        var transcoding = TranscodingConfigReader.Read(map, errors);
        var browser = BrowserConfigReader.Read(map, errors);
        var discovery = DiscoveryConfigReader.Read(map, errors);
        var reflection = ReflectionConfigReader.Read(map, errors);
        var authorization = AuthorizationConfigReader.ReadPolicies(map, errors);
        var jwt = AuthorizationConfigReader.ReadJwt(map, errors);
        var tls = TlsConfigReader.Read(map, errors);
        var protection = Protection.ProtectionConfigReader.Read(map, errors);
        map.ReportUnknownKeys();
        return new MeshProxyConfig(version, listeners with { Mtls = listeners.Mtls ?? (tls is null ? null : TlsConfigReader.DefaultListener) }, new(routes), new(clusters))
        {
            Tls = tls,
            AccessLog = accessLog,
            Tracing = tracing,
            Drain = drain,
            Transcoding = transcoding,
            Browser = browser,
            Discovery = discovery,
            Reflection = reflection,
            Authorization = authorization,
            Jwt = jwt,
            Protection = protection,
        };
    }

    private static ListenersConfig ReadListeners(YamlNode? node, string path, ConfigErrors errors)
    {
        var map = YamlMapping.From(node, path, errors);
        var defaults = ListenersConfig.Default;
        var result = new ListenersConfig(
            ReadListener(map, "grpc", defaults.Grpc, errors),
            ReadListener(map, "rest", defaults.Rest, errors),
            ReadListener(map, "ops", defaults.Ops, errors),
            ReadListener(map, "admin", defaults.Admin, errors))
        {
            Mtls = TlsConfigReader.ReadListener(map, errors),
        };
        map.ReportUnknownKeys();
        return result;
    }

    private static ListenerConfig ReadListener(YamlMapping parent, string key, ListenerConfig defaults, ConfigErrors errors)
    {
        var map = YamlMapping.From(parent.Node(key), parent.Child(key), errors);
        var result = new ListenerConfig(map.String("address") ?? defaults.Address, map.Int("port") ?? defaults.Port);
        map.ReportUnknownKeys();
        return result;
    }

    private static RouteConfig ReadRoute(YamlNode node, string path, ConfigErrors errors)
    {
        var map = YamlMapping.From(node, path, errors);
        var name = map.String("name") ?? string.Empty;
        var match = ReadMatch(map.Node("match"), map.Child("match"), errors);

        ImmutableArray<BackendConfig> backends;
        var cluster = map.String("cluster");
        if (map.Has("backends"))
        {
            if (cluster is not null)
            {
                errors.Add(map.Child("cluster"), "give either 'cluster' or 'backends', not both");
            }

            backends = map.Sequence("backends").Select(b => ReadBackend(b.Node, b.Path, errors)).ToImmutableArray();
        }
        else
        {
            map.Node("backends");
            backends = cluster is null ? [] : [new BackendConfig(cluster, BackendConfig.DefaultWeight)];
        }

        var timeout = map.Duration("timeout") ?? TimeSpan.Zero;
        var idle = map.Duration("streamIdleTimeout") ?? RouteConfig.DefaultStreamIdleTimeout;
        var hashOn = map.Has("hashOn") ? ReadHashOn(map.Node("hashOn"), map.Child("hashOn"), errors) : null;
        var retry = RetryConfigReader.ReadPolicy(map.Node("retry"), map.Child("retry"), errors);
        var idempotent = map.Bool("idempotent") ?? false;
        var hedging = HedgingConfigReader.Read(map, errors);
        var rateLimit = OverloadConfigReader.ReadRateLimit(map, errors);
        map.ReportUnknownKeys();
        return new RouteConfig(name, match, new(backends), timeout, idle) { HashOn = hashOn, Retry = retry, Idempotent = idempotent, Hedging = hedging, RateLimit = rateLimit };
    }

    private static HashOnConfig ReadHashOn(YamlNode? node, string path, ConfigErrors errors)
    {
        var map = YamlMapping.From(node, path, errors);
        var result = new HashOnConfig(map.String("header") ?? string.Empty);
        map.ReportUnknownKeys();
        return result;
    }

    private static RouteMatchConfig ReadMatch(YamlNode? node, string path, ConfigErrors errors)
    {
        var map = YamlMapping.From(node, path, errors);
        var headers = map.Sequence("headers").Select(h => ReadHeader(h.Node, h.Path, errors)).ToImmutableArray();
        var result = new RouteMatchConfig(map.String("method"), map.String("prefix"), map.String("regex"), new(headers));
        map.ReportUnknownKeys();
        return result;
    }

    internal static HeaderMatchConfig ReadHeader(YamlNode node, string path, ConfigErrors errors)
    {
        var map = YamlMapping.From(node, path, errors);
        var result = new HeaderMatchConfig(
            map.String("name") ?? string.Empty,
            map.String("exact"),
            map.String("prefix"),
            map.String("regex"),
            // A malformed 'present' still counts as the condition given, so the error is not doubled by "one of ... is required".
            map.Bool("present") ?? (map.Has("present") ? false : null));
        map.ReportUnknownKeys();
        return result;
    }

    private static BackendConfig ReadBackend(YamlNode node, string path, ConfigErrors errors)
    {
        var map = YamlMapping.From(node, path, errors);
        var result = new BackendConfig(map.String("cluster") ?? string.Empty, map.Int("weight") ?? BackendConfig.DefaultWeight);
        map.ReportUnknownKeys();
        return result;
    }

    private static ClusterConfig ReadCluster(string name, YamlNode? node, string path, ConfigErrors errors)
    {
        var map = YamlMapping.From(node, path, errors);
        var destinations = map.Sequence("destinations").Select(d => ReadDestination(d.Node, d.Path, errors)).ToImmutableArray();

        var loadBalancing = LoadBalancingKind.RoundRobin;
        if (map.String("loadBalancing") is { } lb)
        {
            if (LoadBalancingNames.TryParse(lb, out var parsed))
            {
                loadBalancing = parsed.Value;
            }
            else
            {
                errors.Add(map.Child("loadBalancing"), $"unknown policy '{lb}'; supported: {LoadBalancingNames.Supported}");
            }
        }

        var connectTimeout = map.Duration("connectTimeout") ?? ClusterConfig.DefaultConnectTimeout;
        var tls = TlsConfigReader.ReadCluster(map, errors);
        var http2 = ReadHttp2(map.Node("http2"), map.Child("http2"), tls is not null, errors);
        var outlierDetection = ClusterHealthConfigReader.ReadOutlierDetection(map, errors);
        var healthCheck = ClusterHealthConfigReader.ReadHealthCheck(map, errors);
        var retryBudget = RetryConfigReader.ReadBudget(map.Node("retryBudget"), map.Child("retryBudget"), errors);
        var dns = DiscoveryConfigReader.ReadDns(map, errors);
        var kubernetes = DiscoveryConfigReader.ReadKubernetes(map, errors);
        var circuitBreakers = OverloadConfigReader.ReadCircuitBreakers(map, errors);
        var slowStart = SlowStartConfigReader.Read(map, errors);
        map.ReportUnknownKeys();
        return new ClusterConfig(name, new(destinations), loadBalancing, connectTimeout, http2)
        {
            OutlierDetection = outlierDetection,
            HealthCheck = healthCheck,
            RetryBudget = retryBudget,
            Dns = dns,
            Kubernetes = kubernetes,
            Tls = tls,
            CircuitBreakers = circuitBreakers,
            SlowStart = slowStart,
        };
    }

    private static Http2Config ReadHttp2(YamlNode? node, string path, bool tls, ConfigErrors errors)
    {
        var map = YamlMapping.From(node, path, errors);
        var multiple = Http2Config.Default.MultipleConnections;
        switch (map.String("connectionsPerDestination"))
        {
            case null:
                break;
            case "multiple":
                multiple = true;
                break;
            case "single":
                multiple = false;
                break;
            case var other:
                errors.Add(map.Child("connectionsPerDestination"), $"expected 'single' or 'multiple', found '{other}'");
                break;
        }

        Http2ClientKind? client = null;
        if (map.String("client") is { } clientName)
        {
            if (Http2ClientKinds.TryParse(clientName, out var kind))
            {
                client = kind;
                if (kind == Http2ClientKind.Lean && tls)
                {
                    errors.Add(map.Child("client"), "the lean client speaks h2c only; a cluster with tls: takes 'sockets'");
                }
            }
            else
            {
                errors.Add(map.Child("client"), $"expected 'sockets' or 'lean', found '{clientName}'");
            }
        }

        // A TLS cluster never takes the process default, so a bad variable is not its error.
        if (client is null && !tls && Http2ClientKinds.ProcessDefaultError is { } variableError)
        {
            errors.Add(path, variableError);
        }

        map.ReportUnknownKeys();
        // The process default is a preference, not a demand: a TLS cluster without its own choice keeps SocketsHttpHandler.
        return new Http2Config(multiple, client ?? (tls ? Http2ClientKind.Sockets : Http2ClientKinds.ProcessDefault));
    }

    private static DestinationConfig ReadDestination(YamlNode node, string path, ConfigErrors errors)
    {
        var map = YamlMapping.From(node, path, errors);
        var address = map.String("address") ?? string.Empty;
        var result = new DestinationConfig(map.String("name") ?? address, address);
        map.ReportUnknownKeys();
        return result;
    }
}
