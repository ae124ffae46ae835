using System.Collections.Concurrent;
using System.Diagnostics;
using MeshProxy.Grpc;
using MeshProxy.TestSupport;
using Microsoft.AspNetCore.Http;

namespace MeshProxy.FunctionalTests.TrafficPolicy.Retries;

/// <summary>
/// An h2c backend on 127.0.0.1 port 0 whose answer each test scripts. It records the call (headers, body bytes, arrival
/// time) and then runs the script, which decides the reply; by default it first reads every request body to its end.
/// </summary>
internal sealed class ScriptedBackend : IAsyncDisposable
{
    private readonly Func<HttpContext, RecordedCall, Task> _script;
    private readonly bool _readBody;
    private LoopbackServer _server = null!;

    private ScriptedBackend(string name, Func<HttpContext, RecordedCall, Task> script, bool readBody)
    {
        Name = name;
        _script = script;
        _readBody = readBody;
    }

    public string Name { get; }

    public int Port => _server.Port;

    public ConcurrentQueue<RecordedCall> Calls { get; } = new();

    /// <summary>Starts a backend named <paramref name="name"/> (its replies carry <c>x-backend: NAME</c>).</summary>
    /// <param name="name">The backend's name, in <see cref="RecordedCall"/> and the <c>x-backend</c> reply header.</param>
    /// <param name="script">Writes the reply to each call, after the call is recorded in <see cref="Calls"/>.</param>
    /// <param name="readBody">
    /// True (the default): read the whole request body first, so the recorded body is complete and the script sees a
    /// finished request. False: record the call and run the script at once, before any of the request body is read (the
    /// recorded body is empty), for scripts that must answer while the caller is still sending.
    /// </param>
    public static async Task<ScriptedBackend> StartAsync(string name, Func<HttpContext, RecordedCall, Task> script, bool readBody = true)
    {
        var backend = new ScriptedBackend(name, script, readBody);
        backend._server = await LoopbackServer.StartAsync(backend.HandleAsync, maxStreamsPerConnection: 1000);
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

        await context.Response.Body.WriteAsync(GrpcFrames.Frame(payload));
        await context.Response.Body.FlushAsync();
        context.Response.AppendTrailer(GrpcProtocol.StatusHeader, ((int)code).ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private async Task HandleAsync(HttpContext context)
    {
        var arrived = Stopwatch.GetTimestamp();
        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var body = Array.Empty<byte>();
        if (_readBody)
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
            body = buffer.ToArray();
        }

        var call = new RecordedCall(Name, headers, body, arrived, context.Request.Path.Value ?? string.Empty);
        Calls.Enqueue(call);
        context.Response.Headers["x-backend"] = Name;
        await _script(context, call);
    }
}
