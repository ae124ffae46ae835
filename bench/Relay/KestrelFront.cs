using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using MeshProxy.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;

namespace MeshProxy.Bench.Relay;

/// <summary>
/// The modes on Kestrel, under the sidecar's own settings (<see cref="TrafficServerLimits"/>), each one layer above another:
/// <list type="bullet">
/// <item><c>kestrel</c>: Kestrel's HTTP/2 server and a forwarding step written against its request features
/// (<see cref="ForwardingApplication"/>), onto <see cref="UpstreamMux"/>: no HttpContext, middleware,
/// HttpRequestMessage or YARP.</item>
/// <item><c>aspnet</c>: the same step as ASP.NET Core's one terminal middleware, on its HttpContext.</item>
/// <item><c>lean</c>: that middleware forwarding onto MeshProxy's own lean client instead (<see cref="LeanForwarding"/>).</item>
/// <item><c>invoker</c>: an HttpRequestMessage through an <see cref="HttpMessageInvoker"/> onto the same upstream
/// (<see cref="MuxHandler"/>), copied back by <see cref="InvokerForwarding"/>.</item>
/// <item><c>yarp</c>: YARP's <see cref="IHttpForwarder"/> onto the same invoker, as MeshProxy forwards onto its lean
/// client.</item>
/// </list>
/// </summary>
internal static class KestrelFront
{
    public static async Task RunAsync(int port, IPEndPoint backend, RelayMode mode)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddHttpForwarder();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            TrafficServerLimits.Apply(kestrel);
            kestrel.Listen(IPAddress.Loopback, port, listen => listen.Protocols = HttpProtocols.Http2);
        });
        await using var app = builder.Build();
        var mux = await UpstreamMux.ConnectAsync(backend).ConfigureAwait(false);
        switch (mode)
        {
            case RelayMode.Kestrel:
                // The server alone, with our application in place of the host's pipeline.
                var server = app.Services.GetRequiredService<IServer>();
                await server.StartAsync(new ForwardingApplication(mux), CancellationToken.None).ConfigureAwait(false);
                await Task.Delay(Timeout.Infinite).ConfigureAwait(false);
                break;
            case RelayMode.AspNet:
                app.Run(context => ForwardingApplication.ForwardAsync(mux, context.Features));
                await app.RunAsync().ConfigureAwait(false);
                break;
            case RelayMode.Lean:
                var lean = new LeanForwarding(backend);
                app.Run(lean.ForwardAsync);
                await app.RunAsync().ConfigureAwait(false);
                break;
            case RelayMode.Invoker:
                var client = new HttpMessageInvoker(new MuxHandler(mux));
                var prefix = $"http://127.0.0.1:{backend.Port}";
                app.Run(context => InvokerForwarding.ForwardAsync(client, prefix, context));
                await app.RunAsync().ConfigureAwait(false);
                break;
            case RelayMode.Yarp:
                var forwarder = app.Services.GetRequiredService<IHttpForwarder>();
                var invoker = new HttpMessageInvoker(new MuxHandler(mux));
                var destination = $"http://127.0.0.1:{backend.Port}/";
                app.Run(async context => await forwarder.SendAsync(context, destination, invoker, ForwarderRequestConfig.Empty, HttpTransformer.Empty).ConfigureAwait(false));
                await app.RunAsync().ConfigureAwait(false);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(mode), mode, "not a mode on Kestrel");
        }
    }
}

internal sealed class ForwardingApplication(UpstreamMux mux) : IHttpApplication<IFeatureCollection>
{
    // Kestrel gives known names in their registered case; HTTP/2 wants them lower case.
    private static readonly ConcurrentDictionary<string, string> LowerNames = new(StringComparer.Ordinal);

    /// <summary>A field name in HTTP/2's lower case, made once per name rather than per call.</summary>
    public static string LowerCase(string name) => LowerNames.GetOrAdd(name, static n => n.ToLowerInvariant());

    public IFeatureCollection CreateContext(IFeatureCollection contextFeatures) => contextFeatures;

    public void DisposeContext(IFeatureCollection context, Exception? exception)
    {
    }

    public Task ProcessRequestAsync(IFeatureCollection context) => ForwardAsync(mux, context);

    public static async Task ForwardAsync(UpstreamMux mux, IFeatureCollection features)
    {
        var request = features.GetRequiredFeature<IHttpRequestFeature>();
        var fields = new List<(string Name, string Value)>(16)
        {
            (":method", request.Method),
            (":scheme", "http"),
            (":authority", request.Headers.Host.ToString()),
            (":path", request.RawTarget),
        };
        foreach (var (name, values) in request.Headers)
        {
            if (name.Equals("Host", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var lower = LowerCase(name);
            foreach (var value in values)
            {
                fields.Add((lower, value ?? string.Empty));
            }
        }

        // A unary call's body comes with its end, so HEADERS and DATA leave in one send.
        var body = features.GetRequiredFeature<IRequestBodyPipeFeature>().Reader;
        var read = await body.ReadAsync().ConfigureAwait(false);
        var call = mux.Open(fields, read.Buffer, read.IsCompleted);
        body.AdvanceTo(read.Buffer.End);
        while (!read.IsCompleted)
        {
            read = await body.ReadAsync().ConfigureAwait(false);
            mux.SendData(call, read.Buffer, read.IsCompleted);
            body.AdvanceTo(read.Buffer.End);
        }

        var response = features.GetRequiredFeature<IHttpResponseFeature>();
        var responseBody = features.GetRequiredFeature<IHttpResponseBodyFeature>();
        var trailers = features.GetRequiredFeature<IHttpResponseTrailersFeature>();
        var events = call.Events;
        var sawHeaders = false;
        while (await events.WaitToReadAsync().ConfigureAwait(false))
        {
            while (events.TryRead(out var e))
            {
                switch (e.Kind)
                {
                    case UpstreamEventKind.Headers when !sawHeaders:
                        sawHeaders = true;
                        foreach (var (name, value) in e.Fields!)
                        {
                            if (name == ":status")
                            {
                                response.StatusCode = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
                            }
                            else
                            {
                                response.Headers.Append(name, value);
                            }
                        }

                        break;
                    case UpstreamEventKind.Headers:
                        foreach (var (name, value) in e.Fields!)
                        {
                            trailers.Trailers.Append(name, value);
                        }

                        break;
                    case UpstreamEventKind.Data:
                        responseBody.Writer.Write(e.Data.AsSpan());
                        break;
                    case UpstreamEventKind.Reset:
                        features.GetRequiredFeature<IHttpResetFeature>().Reset(2);
                        return;
                }
            }

            if (!events.Completion.IsCompleted)
            {
                await responseBody.Writer.FlushAsync().ConfigureAwait(false);
            }
        }

        await responseBody.CompleteAsync().ConfigureAwait(false);
    }
}
