using MeshProxy.TestSupport;

namespace MeshProxy.FunctionalTests.Deployment;

/// <summary>Runs helm and kubectl against helm/meshproxy.</summary>
internal static class HelmChart
{
    public static string Directory => RepoPaths.Combine("helm", "meshproxy");

    public static string ExampleValues => Path.Combine(Directory, "examples", "canary-values.yaml");

    /// <summary>The canary across two Services whose pods the sidecar discovers (docs/discovery.md).</summary>
    public static string DiscoveryValues => Path.Combine(Directory, "examples", "discovery-values.yaml");

    /// <summary>Mesh mTLS with a cert-manager Certificate the chart renders (docs/security.md, "Helm").</summary>
    public static string MtlsCertManagerValues => Path.Combine(Directory, "examples", "mtls-cert-manager.yaml");

    /// <summary>Mesh mTLS with a csi-driver-spiffe volume, permissive mode.</summary>
    public static string MtlsCsiSpiffeValues => Path.Combine(Directory, "examples", "mtls-csi-spiffe.yaml");

    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(1);

    /// <summary>The meshproxy-sidecar library chart helm/meshproxy depends on (and users' charts include).</summary>
    public static string LibraryDirectory => RepoPaths.Combine("helm", "meshproxy-sidecar");

    private static readonly Lazy<Task> Dependencies = new(BuildDependenciesAsync);

    /// <summary>
    /// helm with a private home, so no user config or repository cache is read or written. The first call vendors
    /// the library chart into helm/meshproxy/charts (<see cref="EnsureDependenciesAsync"/>).
    /// </summary>
    public static async Task<ProcessResult> HelmAsync(params string[] arguments)
    {
        await EnsureDependenciesAsync().ConfigureAwait(false);
        return await RunHelmAsync(arguments).ConfigureAwait(false);
    }

    /// <summary>
    /// <c>helm dependency build helm/meshproxy</c>, once per test process: helm renders a chart only with its
    /// dependencies packaged in its charts/ folder (git-ignored; Chart.lock is committed), and a rebuild picks up
    /// edits to the library chart. Under a machine-wide lock, since the build deletes and rewrites charts/.
    /// </summary>
    public static Task EnsureDependenciesAsync() => Dependencies.Value;

    private static async Task BuildDependenciesAsync()
    {
        using (await MachineFileLock.AcquireAsync(Path.Combine(Path.GetTempPath(), "meshproxy-helm-dependencies.lock")).ConfigureAwait(false))
        {
            var result = await RunHelmAsync("dependency", "build", Directory).ConfigureAwait(false);
            if (result.ExitCode != 0)
            {
                throw new InvalidOperationException($"helm dependency build {Directory} failed ({result.ExitCode}):\n{result.StandardError}");
            }
        }
    }

    private static async Task<ProcessResult> RunHelmAsync(params string[] arguments)
    {
        var (helm, _) = await KubeTools.EnsureInstalledAsync().ConfigureAwait(false);
        var home = Path.Combine(Path.GetTempPath(), "meshproxy-helm-home");
        return await ProcessRunner.RunAsync(helm, arguments, Directory, Limit, environment: new Dictionary<string, string>
        {
            ["HELM_CACHE_HOME"] = Path.Combine(home, "cache"),
            ["HELM_CONFIG_HOME"] = Path.Combine(home, "config"),
            ["HELM_DATA_HOME"] = Path.Combine(home, "data"),
            ["KUBECONFIG"] = Path.Combine(home, "no-kubeconfig"),
        }).ConfigureAwait(false);
    }

    /// <summary><c>helm template release helm/meshproxy ARGS</c>; a failure fails the test with helm's message.</summary>
    public static async Task<RenderedChart> TemplateAsync(params string[] arguments)
    {
        var result = await HelmAsync(["template", "mp", Directory, .. arguments]).ConfigureAwait(false);
        Assert.True(result.ExitCode == 0, $"helm template failed ({result.ExitCode}):\n{result.StandardError}");
        return RenderedChart.Parse(result.StandardOutput);
    }

    /// <summary>
    /// <c>kubectl apply --dry-run=client --validate=false</c>. kubectl still needs API discovery to map kinds to
    /// resources even on a client dry run (no flag turns that off), so it talks to a <see cref="FakeKubeApiServer"/>
    /// on loopback with an empty kubeconfig.
    /// </summary>
    public static async Task<ProcessResult> KubectlDryRunAsync(string yaml)
    {
        var (_, kubectl) = await KubeTools.EnsureInstalledAsync().ConfigureAwait(false);
        await using var server = await FakeKubeApiServer.StartAsync().ConfigureAwait(false);
        using var file = TempPath.File("rendered", ".yaml");
        await File.WriteAllTextAsync(file.Path, yaml).ConfigureAwait(false);
        var home = Path.Combine(Path.GetTempPath(), "meshproxy-kubectl-home");
        return await ProcessRunner.RunAsync(
            kubectl,
            ["--server", server.Address.ToString(), "--namespace", "default", "apply", "--dry-run=client", "--validate=false", "-f", file.Path],
            null,
            Limit,
            environment: new Dictionary<string, string>
            {
                ["KUBECONFIG"] = Path.Combine(home, "no-kubeconfig"),
                ["HOME"] = home,
            }).ConfigureAwait(false);
    }
}
