using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MeshProxy.TestSupport;

/// <summary>
/// A Kestrel app on 127.0.0.1 port 0 for the in-process test backends: cleartext with the given protocols (HTTP/2 only
/// by default, i.e. h2c with prior knowledge, as gRPC backends speak), no hosting defaults (no config files, no console
/// logging), the bound port read back after start. Dispose stops it within <see cref="StopTimeout"/>, cutting calls
/// that are still open.
/// </summary>
public sealed class LoopbackServer : IAsyncDisposable
{
    /// <summary>How long dispose lets open requests finish before Kestrel aborts them.</summary>
    public static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(5);

    private readonly WebApplication _app;

    private LoopbackServer(WebApplication app, int port, bool https)
    {
        _app = app;
        Port = port;
        Address = $"{(https ? "https" : "http")}://127.0.0.1:{port}";
    }

    public int Port { get; }

    /// <summary><c>http://127.0.0.1:PORT</c> (<c>https</c> when started with TLS), without a trailing slash.</summary>
    public string Address { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>Starts a server that answers every request with <paramref name="handler"/>.</summary>
    /// <param name="handler">The whole application.</param>
    /// <param name="protocols">The listener's protocols; HTTP/2 only (h2c) unless told otherwise.</param>
    /// <param name="maxStreamsPerConnection">Kestrel's HTTP/2 concurrent stream limit (its default is 100), for backends that hold many calls open at once.</param>
    /// <param name="logging">Where the app logs (e.g. an <see cref="XunitLoggerProvider"/>); nowhere by default.</param>
    /// <param name="https">TLS for the listener (its certificate, client certificate rules); cleartext when null.</param>
    public static Task<LoopbackServer> StartAsync(
        RequestDelegate handler,
        HttpProtocols protocols = HttpProtocols.Http2,
        int? maxStreamsPerConnection = null,
        ILoggerProvider? logging = null,
        Action<Microsoft.AspNetCore.Server.Kestrel.Https.HttpsConnectionAdapterOptions>? https = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return StartAsync(app => app.Run(handler), protocols, maxStreamsPerConnection, logging, https: https);
    }

    /// <summary>Starts a server whose pipeline (routes, middleware) <paramref name="configureApp"/> builds.</summary>
    /// <param name="configureApp">Maps the app's endpoints; runs once, before the server starts.</param>
    /// <param name="protocols">The listener's protocols; HTTP/2 only (h2c) unless told otherwise.</param>
    /// <param name="maxStreamsPerConnection">Kestrel's HTTP/2 concurrent stream limit (its default is 100), for backends that hold many calls open at once.</param>
    /// <param name="logging">Where the app logs (e.g. an <see cref="XunitLoggerProvider"/>); nowhere by default.</param>
    /// <param name="configureServices">Registers what the app's endpoints need (e.g. grpc-dotnet's <c>AddGrpc</c>); runs before the app is built.</param>
    /// <param name="https">TLS for the listener (its certificate, client certificate rules); cleartext when null.</param>
    public static async Task<LoopbackServer> StartAsync(
        Action<WebApplication> configureApp,
        HttpProtocols protocols = HttpProtocols.Http2,
        int? maxStreamsPerConnection = null,
        ILoggerProvider? logging = null,
        Action<IServiceCollection>? configureServices = null,
        Action<Microsoft.AspNetCore.Server.Kestrel.Https.HttpsConnectionAdapterOptions>? https = null)
    {
        ArgumentNullException.ThrowIfNull(configureApp);
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        if (logging is not null)
        {
            builder.Logging.AddProvider(logging);
        }

        configureServices?.Invoke(builder.Services);

        ListenOptions? bound = null;
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            if (maxStreamsPerConnection is { } streams)
            {
                kestrel.Limits.Http2.MaxStreamsPerConnection = streams;
            }

            kestrel.Listen(IPAddress.Loopback, 0, listen =>
            {
                listen.Protocols = protocols;
                if (https is not null)
                {
                    listen.UseHttps(https);
                }

                bound = listen;
            });
        });
        var app = builder.Build();
        try
        {
            configureApp(app);
            await app.StartAsync().ConfigureAwait(false);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        // Kestrel writes the port it bound back into the ListenOptions' endpoint.
        return new LoopbackServer(app, bound!.IPEndPoint!.Port, https is not null);
    }

    /// <summary>Stops accepting, gives open requests up to <see cref="StopTimeout"/>, then aborts what is left.</summary>
    public async ValueTask DisposeAsync()
    {
        using (var stopping = new CancellationTokenSource(StopTimeout))
        {
            await _app.StopAsync(stopping.Token).ConfigureAwait(false);
        }

        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
