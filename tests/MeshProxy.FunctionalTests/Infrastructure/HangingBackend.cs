using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace MeshProxy.FunctionalTests.Infrastructure;

/// <summary>
/// An h2c backend that never answers and ignores grpc-timeout (unlike grpc-js, which enforces it), so only the
/// proxy can end its calls. It records, per <c>x-record-cancel</c> id, the grpc-timeout it received once the call
/// is aborted.
/// </summary>
public sealed class HangingBackend : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, TaskCompletionSource<string?>> _aborted = new();

    private HangingBackend(WebApplication app) => _app = app;

    public int Port { get; private set; }

    public static async Task<HangingBackend> StartAsync()
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http2));
        var app = builder.Build();
        var backend = new HangingBackend(app);
        app.Run(backend.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        backend.Port = new Uri(address).Port;
        return backend;
    }

    /// <summary>Completes with the received grpc-timeout (or null) when the call with this id is aborted.</summary>
    public Task<string?> WaitForAbortAsync(string id) => Aborted(id).Task;

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private TaskCompletionSource<string?> Aborted(string id) =>
        _aborted.GetOrAdd(id, _ => new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously));

    private async Task HandleAsync(HttpContext context)
    {
        var id = context.Request.Headers["x-record-cancel"].ToString();
        var timeout = context.Request.Headers["grpc-timeout"].ToString();
        try
        {
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
            Aborted(id).TrySetResult(timeout.Length == 0 ? null : timeout);
        }
    }
}
