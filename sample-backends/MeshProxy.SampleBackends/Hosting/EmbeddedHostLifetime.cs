using Microsoft.Extensions.Hosting;

namespace MeshProxy.SampleBackends.Hosting;

/// <summary>
/// A lifetime that hooks no process signals: several backends may run inside one test process, and the executable
/// handles SIGTERM and Ctrl+C itself in <see cref="Program"/>.
/// </summary>
internal sealed class EmbeddedHostLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
