using Grpc.HealthCheck;
using MeshProxy.SampleBackends.Calls;
using MeshProxy.SampleBackends.Faults;
using Microsoft.AspNetCore.Builder;

namespace MeshProxy.SampleBackends;

/// <summary>A running sample backend: where it listens, and its faults, health and call records, all changeable at run time.</summary>
internal sealed class SampleBackendHandle : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _disposed;

    internal SampleBackendHandle(WebApplication app, Uri address, string version, FaultInjector faults, HealthServiceImpl health, CallRecorder calls)
    {
        _app = app;
        Address = address;
        Version = version;
        Faults = faults;
        Health = health;
        Calls = calls;
    }

    /// <summary>The base address, "http://127.0.0.1:PORT/", with the bound port.</summary>
    public Uri Address { get; }

    public int Port => Address.Port;

    /// <summary>The label in every reply's x-backend-version header.</summary>
    public string Version { get; }

    /// <summary>The fault rules; add, replace or clear them while the backend runs.</summary>
    public FaultInjector Faults { get; }

    /// <summary>
    /// grpc.health.v1.Health as served: <c>SetStatus(service, status)</c> flips a service ("" is the whole server) and
    /// tells its watchers.
    /// </summary>
    public HealthServiceImpl Health { get; }

    /// <summary>Per-method call counts and the last call of each.</summary>
    public CallRecorder Calls { get; }

    /// <summary>The calls received on a method, named "pkg.Svc/Method" or "/pkg.Svc/Method".</summary>
    public long CallCount(string method) => Calls.CallCount(method);

    /// <summary>The last call received on a method (its headers hold the request metadata), or null.</summary>
    public ObservedCall? LastCall(string method) => Calls.LastCall(method);

    /// <summary>Stops listening; calls in flight get a few seconds to finish and are then aborted.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
