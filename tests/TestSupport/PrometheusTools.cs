namespace MeshProxy.TestSupport;

/// <summary>
/// The Prometheus server and promtool from Debian's <c>prometheus</c> package, which tests install themselves without
/// root: <c>apt-get download</c> (after <c>apt-get update</c> when the package lists are empty) and <c>dpkg -x</c> into a
/// per-machine cache folder. Test processes run in parallel, so the install is serialised by a file lock.
/// </summary>
public static class PrometheusTools
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static string? _root;

    /// <summary>Where the package is unpacked (shared by every test run on the machine).</summary>
    public static string CacheDirectory => Path.Combine(Path.GetTempPath(), "meshproxy-prometheus");

    /// <summary>The promtool binary, installed on first use.</summary>
    public static async Task<string> PromtoolAsync() => Path.Combine(await EnsureInstalledAsync().ConfigureAwait(false), "usr", "bin", "promtool");

    /// <summary>The prometheus server binary, installed on first use.</summary>
    public static async Task<string> PrometheusAsync() => Path.Combine(await EnsureInstalledAsync().ConfigureAwait(false), "usr", "bin", "prometheus");

    private static async Task<string> EnsureInstalledAsync()
    {
        if (_root is not null)
        {
            return _root;
        }

        await Gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_root is not null)
            {
                return _root;
            }

            var root = Path.Combine(CacheDirectory, "root");
            Directory.CreateDirectory(CacheDirectory);
            using (await MachineFileLock.AcquireAsync(Path.Combine(CacheDirectory, ".lock")).ConfigureAwait(false))
            {
                if (!IsComplete(root))
                {
                    await InstallAsync(root).ConfigureAwait(false);
                }
            }

            _root = root;
            return root;
        }
        finally
        {
            Gate.Release();
        }
    }

    private static bool IsComplete(string root) =>
        File.Exists(Path.Combine(root, "usr", "bin", "promtool")) && File.Exists(Path.Combine(root, "usr", "bin", "prometheus"));

    private static async Task InstallAsync(string root)
    {
        var downloads = Path.Combine(CacheDirectory, "deb");
        if (Directory.Exists(downloads))
        {
            Directory.Delete(downloads, recursive: true);
        }

        Directory.CreateDirectory(downloads);
        var download = await ProcessRunner.RunAsync("apt-get", ["download", "prometheus"], downloads, TimeSpan.FromMinutes(3)).ConfigureAwait(false);
        if (download.ExitCode != 0)
        {
            // A fresh container has no package lists yet.
            var update = await ProcessRunner.RunAsync("apt-get", ["update"], downloads, TimeSpan.FromMinutes(3)).ConfigureAwait(false);
            download = await ProcessRunner.RunAsync("apt-get", ["download", "prometheus"], downloads, TimeSpan.FromMinutes(3)).ConfigureAwait(false);
            if (download.ExitCode != 0)
            {
                throw new InvalidOperationException(
                    $"apt-get download prometheus failed ({download.ExitCode}): {download.StandardError}\napt-get update said ({update.ExitCode}): {update.StandardError}");
            }
        }

        var package = Directory.GetFiles(downloads, "prometheus_*.deb").Single();
        var staging = root + ".staging";
        if (Directory.Exists(staging))
        {
            Directory.Delete(staging, recursive: true);
        }

        var extract = await ProcessRunner.RunAsync("dpkg", ["-x", package, staging], downloads, TimeSpan.FromMinutes(2)).ConfigureAwait(false);
        if (extract.ExitCode != 0 || !IsComplete(staging))
        {
            throw new InvalidOperationException($"dpkg -x {package} failed ({extract.ExitCode}): {extract.StandardError}");
        }

        // Moved into place only when complete, so an interrupted install is redone rather than half used.
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }

        Directory.Move(staging, root);
        Directory.Delete(downloads, recursive: true);
    }
}
