using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace MeshProxy.FunctionalTests.Reload;

/// <summary>
/// A minimal h2c gRPC backend that says who it is: every reply carries <c>x-backend: NAME</c> and messages whose
/// payload is the name. A method ending in <c>/Stream</c> sends one message, waits for <see cref="ReleaseStreams"/>,
/// then sends a second and ends OK, so a test can hold a server stream open across a reload.
/// </summary>
public sealed class NamedBackend : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _calls;

    private NamedBackend(WebApplication app, string name)
    {
        _app = app;
        Name = name;
    }

    public string Name { get; }

    public int Port { get; private set; }

    public string Address => $"http://127.0.0.1:{Port}";

    public int Calls => Volatile.Read(ref _calls);

    public static async Task<NamedBackend> StartAsync(string name)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k =>
        {
            k.Limits.Http2.MaxStreamsPerConnection = 1000;
            k.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http2);
        });
        var app = builder.Build();
        var backend = new NamedBackend(app, name);
        app.Run(backend.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        backend.Port = new Uri(address).Port;
        return backend;
    }

    /// <summary>Lets every held server stream send its second message and end.</summary>
    public void ReleaseStreams() => _release.TrySetResult();

    public async ValueTask DisposeAsync()
    {
        _release.TrySetResult();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        Interlocked.Increment(ref _calls);
        var response = context.Response;
        response.ContentType = "application/grpc";
        response.Headers["x-backend"] = Name;
        await context.Request.Body.CopyToAsync(Stream.Null, context.RequestAborted);
        await WriteMessageAsync(response, context.RequestAborted);
        if (context.Request.Path.Value?.EndsWith("/Stream", StringComparison.Ordinal) == true)
        {
            await _release.Task.WaitAsync(context.RequestAborted);
            await WriteMessageAsync(response, context.RequestAborted);
        }

        response.AppendTrailer("grpc-status", "0");
    }

    private async Task WriteMessageAsync(HttpResponse response, CancellationToken cancellationToken)
    {
        var payload = Encoding.UTF8.GetBytes(Name);
        var frame = new byte[5 + payload.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(frame.AsSpan(5));
        await response.Body.WriteAsync(frame, cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }
}
