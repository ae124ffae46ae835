using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using MeshProxy.Grpc;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace MeshProxy.FunctionalTests.TrafficPolicy.Retries;

/// <summary>
/// An h2c backend on 127.0.0.1 port 0 whose answer each test scripts. It reads every request body to its end, records
/// the call (headers, body bytes, arrival time) and then runs the script, which decides the reply.
/// </summary>
internal sealed class ScriptedBackend : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Func<HttpContext, RecordedCall, Task> _script;
    private readonly bool _readBody;

    private ScriptedBackend(string name, WebApplication app, Func<HttpContext, RecordedCall, Task> script, bool readBody)
    {
        Name = name;
        _app = app;
        _script = script;
        _readBody = readBody;
    }

    public string Name { get; }

    public int Port { get; private set; }

    public ConcurrentQueue<RecordedCall> Calls { get; } = new();

    /// <param name="name">Its name, sent back in x-backend.</param>
    /// <param name="script">Decides the reply.</param>
    /// <param name="readBody">false: the script runs at once, before any of the body is read (the recorded body is empty).</param>
    public static async Task<ScriptedBackend> StartAsync(string name, Func<HttpContext, RecordedCall, Task> script, bool readBody = true)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k =>
        {
            k.Limits.Http2.MaxStreamsPerConnection = 1000;
            k.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http2);
        });
        var app = builder.Build();
        var backend = new ScriptedBackend(name, app, script, readBody);
        app.Run(backend.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        backend.Port = new Uri(address).Port;
        return backend;
    }

    /// <summary>Answers Trailers-Only with <paramref name="code"/>, plus the given response headers.</summary>
    public static Task TrailersOnlyAsync(HttpContext context, StatusCode code, params (string Name, string Value)[] headers)
    {
        TrailersOnlyResponse.Set(context.Response, code, $"scripted {code}");
        foreach (var (name, value) in headers)
        {
            context.Response.Headers.Append(name, value);
        }

        return context.Response.CompleteAsync();
    }

    /// <summary>Answers one message carrying <paramref name="payload"/> and then <paramref name="code"/> in trailers.</summary>
    public static async Task MessageThenStatusAsync(HttpContext context, byte[] payload, StatusCode code, params (string Name, string Value)[] headers)
    {
        context.Response.ContentType = GrpcProtocol.ContentType;
        foreach (var (name, value) in headers)
        {
            context.Response.Headers.Append(name, value);
        }

        var frame = new byte[GrpcProtocol.MessagePrefixLength + payload.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(frame, GrpcProtocol.MessagePrefixLength);
        await context.Response.Body.WriteAsync(frame);
        await context.Response.Body.FlushAsync();
        context.Response.AppendTrailer(GrpcProtocol.StatusHeader, ((int)code).ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var arrived = Stopwatch.GetTimestamp();
        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        using var body = new MemoryStream();
        if (_readBody)
        {
            await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        }

        var call = new RecordedCall(Name, headers, body.ToArray(), arrived);
        Calls.Enqueue(call);
        context.Response.Headers["x-backend"] = Name;
        await _script(context, call);
    }
}
