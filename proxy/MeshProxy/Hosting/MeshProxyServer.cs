using System.Net;
using MeshProxy.Admin;
using MeshProxy.Browser;
using MeshProxy.Configuration;
using MeshProxy.Configuration.Reload;
using MeshProxy.Configuration.Validation;
using Grpc.HealthCheck;
using MeshProxy.Observability;
using MeshProxy.Observability.Metrics;
using MeshProxy.Observability.Tracing;
using MeshProxy.Protection;
using MeshProxy.Reflection;
using MeshProxy.Routing;
using MeshProxy.Security;
using MeshProxy.Transcoding.Rest;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Trace;

namespace MeshProxy.Hosting;

/// <summary>
/// A running sidecar with four listeners told apart by <see cref="ListenerTagging"/>, on two Kestrel servers: the
/// traffic server (gRPC h2c, REST), which owns the DI container, and the control server (ops, admin), which
/// dispatches into that same container. Two servers because a graceful drain must close the traffic listeners
/// (Kestrel can only stop a server as a whole) while the probes and the admin listener keep answering until exit
/// (<see cref="DrainCoordinator"/>). <c>run</c> and the tests start it the same way; tests bind port 0 and read
/// <see cref="EndPoint"/> back.
/// </summary>
internal sealed class MeshProxyServer : IAsyncDisposable
{
    /// <summary>ASP.NET Core Hosting's per-request diagnostics logger (HostingApplicationDiagnostics).</summary>
    internal const string HostingDiagnosticsCategory = "Microsoft.AspNetCore.Hosting.Diagnostics";

    private readonly WebApplication _app;
    private readonly WebApplication _control;
    private readonly IReadOnlyDictionary<ListenerName, ListenOptions> _listeners;
    private readonly ReadinessState _readiness;
    private ConfigFileWatcher? _watcher;
    private TracerProvider? _traces;
    private int _disposed;
    private bool _controlStarted;

    private MeshProxyServer(WebApplication app, WebApplication control, IReadOnlyDictionary<ListenerName, ListenOptions> listeners)
    {
        _app = app;
        _control = control;
        _listeners = listeners;
        _readiness = app.Services.GetRequiredService<ReadinessState>();
        Drain = app.Services.GetRequiredService<DrainCoordinator>();
    }

    public IServiceProvider Services => _app.Services;

    /// <summary>The graceful drain: start it, or await its end.</summary>
    public DrainCoordinator Drain { get; }

    /// <summary>Loads YAML and starts; an invalid config throws <see cref="ConfigLoadException"/> listing every error.</summary>
    public static Task<MeshProxyServer> StartAsync(
        string yaml,
        ILoggerProvider? logs = null,
        CancellationToken cancellationToken = default,
        Action<IServiceCollection>? configureServices = null)
    {
        var result = ConfigLoader.Load(yaml);
        return result.Succeeded
            ? StartAsync(result.Config, logs, cancellationToken, configureServices)
            : throw new ConfigLoadException(result.Errors);
    }

    /// <summary>
    /// Loads a config file, starts on it and then follows its edits live (<see cref="ConfigFileWatcher"/>). An invalid
    /// or unreadable file throws <see cref="ConfigLoadException"/> listing every error; a bad later edit is refused and
    /// logged while the last good config stays live.
    /// </summary>
    /// <param name="path">The config file (it may be a symlink, as in a Kubernetes ConfigMap volume).</param>
    /// <param name="reload">How edits are followed; null is <see cref="ConfigReloadOptions.Default"/>.</param>
    /// <param name="logs">Where logs go; null logs to the console.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <param name="configureServices">Lets tests substitute services (time, randomness).</param>
    public static async Task<MeshProxyServer> StartFromFileAsync(
        string path,
        ConfigReloadOptions? reload = null,
        ILoggerProvider? logs = null,
        CancellationToken cancellationToken = default,
        Action<IServiceCollection>? configureServices = null)
    {
        reload ??= ConfigReloadOptions.Default;
        reload.Validate();
        byte[] content;
        try
        {
            content = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigLoadException([new ConfigError(string.Empty, $"cannot read {path}: {ex.Message}")]);
        }

        // The reload path's loader, so the first load and every edit obey exactly the same rules.
        var result = ConfigReloader.Load(content);
        if (!result.Succeeded)
        {
            throw new ConfigLoadException(result.Errors);
        }

        var server = await StartAsync(result.Config, logs, cancellationToken, services =>
        {
            services.AddSingleton(reload);
            services.AddSingleton(new TranscodingPaths(Path.GetDirectoryName(Path.GetFullPath(path)) ?? Environment.CurrentDirectory));
            configureServices?.Invoke(services);
        }, ConfigReloader.Hash(content)).ConfigureAwait(false);

        try
        {
            var services = server.Services;
            server._watcher = new ConfigFileWatcher(
                path,
                services.GetRequiredService<ConfigReloader>(),
                reload,
                services.GetRequiredService<TimeProvider>(),
                services.GetRequiredService<ILogger<ConfigFileWatcher>>());

            // An edit between the first read and the watcher's start has no event left to announce it: look once now.
            server._watcher.Check();
            return server;
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Starts the sidecar on a valid config; returns once every listener is bound and the proxy is ready.</summary>
    /// <param name="config">The config; it is validated again and an invalid one throws <see cref="ConfigLoadException"/>.</param>
    /// <param name="logs">Where logs go; null logs to the console.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <param name="configureServices">Lets tests substitute services (time, randomness).</param>
    /// <param name="contentHash">The hash of the file the config came from, shown by the admin listener; null for a config built in code.</param>
    public static async Task<MeshProxyServer> StartAsync(
        MeshProxyConfig config,
        ILoggerProvider? logs = null,
        CancellationToken cancellationToken = default,
        Action<IServiceCollection>? configureServices = null,
        string? contentHash = null)
    {
        // A config built in code skipped the loader: hold it to the same rules before anything binds.
        var errors = new ConfigErrors();
        ConfigValidator.Validate(config, errors);
        if (errors.HasErrors)
        {
            throw new ConfigLoadException(errors.All);
        }

        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);

        // Hosting starts an Activity and a log scope for every request whenever its diagnostics category is enabled at
        // any level (so that logs could carry a trace id). Its only logs are the per-request lines filtered out above,
        // and the sidecar's spans are its own (Observability/Tracing), so the category is off: Hosting's diagnostics were 3.4 % of the
        // busy CPU of a saturating unary run, and the Activity and scope about 0.5 KB of each call.
        builder.Logging.AddFilter(HostingDiagnosticsCategory, LogLevel.None);
        // grpc-dotnet serves only the local health service; its per-call logs are not the sidecar's to show.
        builder.Logging.AddFilter("Grpc", LogLevel.Warning);
        builder.Logging.AddFilter("MeshProxy", LogLevel.Information);
        if (logs is null)
        {
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        }
        else
        {
            builder.Logging.AddProvider(logs);
        }

        builder.Services.AddMeshProxy();
        builder.Services.AddSingleton(config.Protection);
        // Registered after UseKestrelCore, so the transport takes these buffers in place of Kestrel's pool.
        builder.Services.AddSingleton<ConnectionBufferPool>();
        builder.Services.AddSingleton<IMemoryPoolFactory<byte>>(s => s.GetRequiredService<ConnectionBufferPool>());
        configureServices?.Invoke(builder.Services);

        var listeners = new Dictionary<ListenerName, ListenOptions>();
        builder.WebHost.ConfigureKestrel(kestrel => ConfigureTrafficKestrel(kestrel, config.Listeners, listeners));

        var app = builder.Build();
        try
        {
            // The workload certificate first: unusable certificate files refuse the start like an invalid config.
            var identity = app.Services.GetRequiredService<WorkloadIdentity>();
            identity.Start(config.Tls);
            app.Services.GetRequiredService<MeshProxyMetrics>().Follow(identity);

            // Also loads the transcoding descriptor sets, which may refuse the start.
            app.Services.GetRequiredService<ConfigReloader>().Start(config, contentHash);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        LocalGrpcHealth.Follow(app.Services.GetRequiredService<ReadinessState>(), app.Services.GetRequiredService<HealthServiceImpl>());
        app.Run(CreateTrafficDispatcher(app.Services, LocalGrpcHealth.Build(app), LocalReflection.Build(app), ApiDocsPage.Build(app)));
        var control = BuildControl(app.Services, config.Listeners, listeners);

        var server = new MeshProxyServer(app, control, listeners);
        // Before anything listens: a drain asked for as soon as the admin listener is up must find the server.
        server.Drain.AttachTrafficServer(app.Services.GetRequiredService<IServer>());
        try
        {
            server._traces = TraceExport.Start(config.Tracing, app.Services.GetRequiredService<ILoggerFactory>().CreateLogger<MeshProxyServer>());
            if (server._traces is not null)
            {
                app.Services.GetRequiredService<NewTraceSampler>().Start(config.Tracing.SampleRate);
            }

            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            await control.StartAsync(cancellationToken).ConfigureAwait(false);
            server._controlStarted = true;
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger<MeshProxyServer>();
        foreach (var (name, options) in listeners)
        {
            HostingLog.ListenerBound(logger, name.ToString().ToLowerInvariant(), options.EndPoint.ToString() ?? string.Empty);
        }

        ConfigurationLog.ConfigApplied(logger, config.Version ?? "(none)");
        server._readiness.MarkReady();
        HostingLog.ProxyReady(logger, config.Version ?? "(none)", config.Routes.Count, config.Clusters.Count);
        return server;
    }

    /// <summary>The bound endpoint of a listener (the real port when the config said 0).</summary>
    public IPEndPoint EndPoint(ListenerName listener) =>
        _listeners[listener].IPEndPoint ?? throw new InvalidOperationException($"Listener {listener} is not an IP endpoint.");

    /// <summary>An http:// address a local client can dial for a listener (a wildcard bind is reached via loopback).</summary>
    public Uri Address(ListenerName listener)
    {
        var endPoint = EndPoint(listener);
        var host = endPoint.Address.Equals(IPAddress.Any) ? IPAddress.Loopback
            : endPoint.Address.Equals(IPAddress.IPv6Any) ? IPAddress.IPv6Loopback
            : endPoint.Address;
        return new Uri($"{(listener == ListenerName.Mtls ? "https" : "http")}://{new IPEndPoint(host, endPoint.Port)}");
    }

    /// <summary>Completes when the host is asked to stop (Ctrl+C, SIGTERM, or the token).</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    /// <summary>
    /// Serves until a drain has ended: one started by <paramref name="stopSignal"/> (SIGTERM/SIGINT) when
    /// <paramref name="drainOnSignal"/>, or by the admin listener's <c>/drain</c> or <c>/quitquitquit</c>. Without
    /// <paramref name="drainOnSignal"/> the signal ends the wait at once (an interactive demo has nothing to drain).
    /// </summary>
    public async Task RunUntilDrainedAsync(CancellationToken stopSignal, bool drainOnSignal = true)
    {
        var signalled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (stopSignal.Register(() => signalled.TrySetResult()))
        {
            await Task.WhenAny(signalled.Task, Drain.Completion).ConfigureAwait(false);
        }

        if (Drain.IsDraining || drainOnSignal)
        {
            await Drain.Start(DrainTrigger.Signal).ConfigureAwait(false);
        }
    }

    /// <summary>Follows the config file's edits; null when the sidecar was started on a config built in code.</summary>
    public ConfigFileWatcher? ConfigWatcher => _watcher;

    public async ValueTask DisposeAsync()
    {
        // Idempotent: a test may stop the sidecar itself and its fixture stop it again.
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _readiness.MarkNotReady();
        _watcher?.Dispose();
        Drain.Dispose();
        try
        {
            // Traffic first (a no-op after a drain), then the control listeners, which answer probes to the end.
            await _app.StopAsync(CancellationToken.None).ConfigureAwait(false);
            if (_controlStarted)
            {
                await _control.StopAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
        finally
        {
            await _control.DisposeAsync().ConfigureAwait(false);
            await _app.DisposeAsync().ConfigureAwait(false);

            // After the last call ended: disposing flushes the spans still batched.
            _traces?.Dispose();
        }
    }

    /// <summary>
    /// The ops and admin listeners on their own Kestrel server. It has no services of its own: the dispatcher uses
    /// the traffic server's container, and its logs go to the same factory (registered as an instance, so this
    /// container does not dispose it).
    /// </summary>
    private static WebApplication BuildControl(IServiceProvider services, ListenersConfig config, Dictionary<ListenerName, ListenOptions> listeners)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(services.GetRequiredService<ILoggerFactory>());

        // ConnectionTelemetry counts the control listeners' connections too, from this host's services.
        builder.Services.AddSingleton(services.GetRequiredService<MeshProxyMetrics>());
        builder.Services.AddSingleton<IMemoryPoolFactory<byte>>(services.GetRequiredService<ConnectionBufferPool>());
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            Listen(kestrel, ListenerName.Ops, config.Ops, HttpProtocols.Http1, listeners);
            Listen(kestrel, ListenerName.Admin, config.Admin, HttpProtocols.Http1, listeners);
        });
        var control = builder.Build();
        control.Run(CreateControlDispatcher(services));
        return control;
    }

    private static void ConfigureTrafficKestrel(KestrelServerOptions kestrel, ListenersConfig config, Dictionary<ListenerName, ListenOptions> listeners)
    {
        TrafficServerLimits.Apply(kestrel);
        Listen(kestrel, ListenerName.Grpc, config.Grpc, HttpProtocols.Http2, listeners);
        Listen(kestrel, ListenerName.Rest, config.Rest, HttpProtocols.Http1, listeners);
        if (config.Mtls is { } mtls)
        {
            Listen(kestrel, ListenerName.Mtls, mtls, HttpProtocols.Http2, listeners, options => MtlsListener.Configure(options, kestrel.ApplicationServices.GetRequiredService<WorkloadIdentity>()));
        }
        var protection = kestrel.ApplicationServices.GetRequiredService<ProtectionOptions>();
        RestListenerLimits.BoundConnections(listeners[ListenerName.Rest], protection);
        Http2FloodGuard.Guard(listeners[ListenerName.Grpc], ListenerName.Grpc, protection);
        if (listeners.TryGetValue(ListenerName.Mtls, out var mtlsListener))
        {
            Http2FloodGuard.Guard(mtlsListener, ListenerName.Mtls, protection);
        }
    }

    private static void Listen(KestrelServerOptions kestrel, ListenerName name, ListenerConfig config, HttpProtocols protocols, Dictionary<ListenerName, ListenOptions> listeners, Action<ListenOptions>? secure = null) =>
        kestrel.Listen(IPAddress.Parse(config.Address), config.Port, options =>
        {
            // Http2 alone on cleartext is h2c with prior knowledge, which is what gRPC clients speak (over TLS: ALPN h2).
            options.Protocols = protocols;
            ListenerTagging.Tag(options, name);
            ConnectionTelemetry.Count(options, name);
            secure?.Invoke(options);
            listeners[name] = options;
        });

    private static RequestDelegate CreateControlDispatcher(IServiceProvider services)
    {
        var ops = services.GetRequiredService<OpsEndpoints>();
        var admin = services.GetRequiredService<AdminEndpoints>();
        var drain = services.GetRequiredService<DrainEndpoints>();
        return context =>
        {
            switch (ListenerTagging.Of(context))
            {
                case ListenerName.Ops:
                    return ops.InvokeAsync(context);
                case ListenerName.Admin when DrainEndpoints.Handles(context.Request.Path):
                    return drain.InvokeAsync(context);
                case ListenerName.Admin:
                    return admin.InvokeAsync(context);
                default:
                    context.Response.StatusCode = StatusCodes.Status404NotFound;
                    return Task.CompletedTask;
            }
        };
    }

    private static RequestDelegate CreateTrafficDispatcher(IServiceProvider services, RequestDelegate localHealth, RequestDelegate localReflection, RequestDelegate apiDocs)
    {
        var reflection = services.GetRequiredService<ReflectionCatalog>();
        var grpc = services.GetRequiredService<GrpcProxyEndpoint>();
        var rest = services.GetRequiredService<BrowserEndpoint>();
        var telemetry = services.GetRequiredService<GrpcCallTelemetry>();
        var identity = services.GetRequiredService<WorkloadIdentity>();
        var protection = services.GetRequiredService<ProtectionOptions>();
        Func<HttpContext, ValueTask> forward = grpc.InvokeAsync;
        return context =>
        {
            // Only the mTLS listener may vouch for a caller: a forwarded-client-cert header the caller wrote is dropped everywhere.
            ClientCertForwarding.Apply(context, identity.ForwardClientCertHeader);
            switch (ListenerTagging.Of(context))
            {
                case ListenerName.Grpc or ListenerName.Mtls:
                    // gRPC bodies are streams of messages; per-message limits are the backend's job.
                    if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
                    {
                        limit.MaxRequestBodySize = null;
                    }

                    // The sidecar's own health service is answered here, never proxied (LocalGrpcHealth).
                    if (LocalGrpcHealth.Handles(context.Request))
                    {
                        return localHealth(context);
                    }

                    // Server reflection too, when the config turns it on (LocalReflection).
                    return LocalReflection.Handles(context.Request, reflection) ? localReflection(context) : telemetry.InvokeAsync(context, forward);
                case ListenerName.Rest:
                    RestListenerLimits.Apply(context, protection);

                    // GET /docs renders the live OpenAPI document (ApiDocsPage); everything else is transcoded.
                    return ApiDocsPage.Handles(context.Request) ? apiDocs(context) : rest.InvokeAsync(context);
                default:
                    context.Response.StatusCode = StatusCodes.Status404NotFound;
                    return Task.CompletedTask;
            }
        };
    }
}
