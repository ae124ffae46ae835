namespace MeshProxy.TestSupport;

/// <summary>
/// The npm packages our tests run against (grpc-js, proto-loader, buf, an OpenAPI validator, the Connect and gRPC-Web clients), installed by the tests themselves into
/// tests/node/node_modules. Test assemblies run in parallel processes, so installs are serialised by a file lock.
/// </summary>
public static class NodePeers
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static string? _installed;

    /// <summary>The folder whose node_modules holds the peers; scripts run with it as working directory.</summary>
    public static string Directory => RepoPaths.Combine("tests", "node");

    /// <summary>The buf CLI shipped inside the npm package @bufbuild/buf.</summary>
    public static string BufPath => Path.Combine(Directory, "node_modules", ".bin", "buf");

    /// <summary>
    /// Installs the packages once per machine (npm install is a no-op when they are present) and sets MESHPROXY_PROTO_PATH,
    /// which every node peer started after it inherits (tests/node/protoPath.js reads it).
    /// </summary>
    public static async Task<string> EnsureInstalledAsync()
    {
        Environment.SetEnvironmentVariable("MESHPROXY_PROTO_PATH", RepoPaths.ProtoIncludePath);
        if (_installed is not null)
        {
            return _installed;
        }

        await Gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_installed is not null)
            {
                return _installed;
            }

            using (await MachineFileLock.AcquireAsync(Path.Combine(Path.GetTempPath(), "meshproxy-npm.lock")).ConfigureAwait(false))
            {
                if (!IsComplete())
                {
                    var result = await ProcessRunner.RunAsync(
                        "npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], Directory, TimeSpan.FromMinutes(5)).ConfigureAwait(false);
                    if (result.ExitCode != 0 || !IsComplete())
                    {
                        throw new InvalidOperationException($"npm install in {Directory} failed ({result.ExitCode}):\n{result.StandardError}\n{result.StandardOutput}");
                    }
                }
            }

            _installed = Directory;
            return _installed;
        }
        finally
        {
            Gate.Release();
        }
    }

    private static bool IsComplete() =>
        File.Exists(Path.Combine(Directory, "node_modules", "@grpc", "grpc-js", "package.json"))
        && File.Exists(Path.Combine(Directory, "node_modules", "@grpc", "proto-loader", "package.json"))
        && File.Exists(Path.Combine(Directory, "node_modules", "@seriousme", "openapi-schema-validator", "package.json"))
        && File.Exists(Path.Combine(Directory, "node_modules", "@bufbuild", "protobuf", "package.json"))
        && File.Exists(Path.Combine(Directory, "node_modules", "@connectrpc", "connect", "package.json"))
        && File.Exists(Path.Combine(Directory, "node_modules", "@connectrpc", "connect-web", "package.json"))
        && File.Exists(Path.Combine(Directory, "node_modules", "@connectrpc", "connect-node", "package.json"))
        && File.Exists(Path.Combine(Directory, "node_modules", "grpc-web", "package.json"))
        && File.Exists(Path.Combine(Directory, "node_modules", "xhr2", "package.json"))
        && File.Exists(Path.Combine(Directory, "node_modules", "@grpc", "reflection", "package.json"))
        && File.Exists(BufPath);
}
