namespace MeshProxy.TestSupport;

/// <summary>A Debian package unpacked without root, with the dependencies the machine lacked.</summary>
/// <param name="Root">The folder the packages were unpacked into (it holds <c>usr/</c>, <c>lib/</c>...).</param>
/// <param name="LibraryPath">An <c>LD_LIBRARY_PATH</c> naming every unpacked folder that holds shared libraries.</param>
public sealed record DebianInstall(string Root, string LibraryPath)
{
    /// <summary>A path inside <see cref="Root"/>.</summary>
    public string Combine(params string[] parts) => Path.Combine([Root, .. parts]);

    /// <summary>The environment a binary from the install needs: <see cref="LibraryPath"/> ahead of the caller's own.</summary>
    public IReadOnlyDictionary<string, string> Environment
    {
        get
        {
            var inherited = System.Environment.GetEnvironmentVariable("LD_LIBRARY_PATH");
            return new Dictionary<string, string>
            {
                ["LD_LIBRARY_PATH"] = string.IsNullOrEmpty(inherited) ? LibraryPath : LibraryPath + ":" + inherited,
            };
        }
    }
}

/// <summary>
/// Installs Debian packages the tests need without root, as bench/lib/debtools.sh does for the benchmarks: <c>apt-get download</c>
/// of the package and of every dependency (transitively) that is not installed on the machine, then <c>dpkg -x</c> of each into
/// a per-machine cache folder under /tmp. Test processes run in parallel, so an install is serialised by a file lock, and it is
/// moved into place only when complete, so an interrupted one is redone rather than half used.
/// </summary>
public static class DebianPackages
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static readonly Dictionary<string, DebianInstall> Installed = new(StringComparer.Ordinal);
    private static readonly TimeSpan AptTimeout = TimeSpan.FromMinutes(4);

    /// <summary>The cache every test run on the machine shares; one folder per package.</summary>
    public static string CacheDirectory => Path.Combine(Path.GetTempPath(), "meshproxy-deb");

    /// <summary>
    /// Unpacks <paramref name="package"/> and its missing dependencies once per machine; <paramref name="marker"/> is a path
    /// relative to the root whose presence proves the install complete (the binary the caller runs).
    /// </summary>
    public static async Task<DebianInstall> InstallAsync(string package, string marker)
    {
        await Gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (Installed.TryGetValue(package, out var known))
            {
                return known;
            }

            var folder = Path.Combine(CacheDirectory, package);
            var root = Path.Combine(folder, "root");
            Directory.CreateDirectory(folder);
            using (await MachineFileLock.AcquireAsync(Path.Combine(folder, ".lock")).ConfigureAwait(false))
            {
                if (!File.Exists(Path.Combine(root, marker)))
                {
                    await UnpackAsync(package, marker, folder, root).ConfigureAwait(false);
                }
            }

            var install = new DebianInstall(root, LibraryPathOf(root));
            Installed[package] = install;
            return install;
        }
        finally
        {
            Gate.Release();
        }
    }

    private static async Task UnpackAsync(string package, string marker, string folder, string root)
    {
        var downloads = Path.Combine(folder, "deb");
        Recreate(downloads);
        var wanted = await MissingClosureAsync(package, downloads).ConfigureAwait(false);
        var download = await ProcessRunner.RunAsync("apt-get", ["download", .. wanted], downloads, AptTimeout).ConfigureAwait(false);
        if (download.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"apt-get download {string.Join(' ', wanted)} failed ({download.ExitCode}): {download.StandardError}");
        }

        var staging = root + ".staging";
        Recreate(staging);
        foreach (var deb in Directory.GetFiles(downloads, "*.deb"))
        {
            var extract = await ProcessRunner.RunAsync("dpkg", ["-x", deb, staging], downloads, AptTimeout).ConfigureAwait(false);
            if (extract.ExitCode != 0)
            {
                throw new InvalidOperationException($"dpkg -x {deb} failed ({extract.ExitCode}): {extract.StandardError}");
            }
        }

        if (!File.Exists(Path.Combine(staging, marker)))
        {
            throw new InvalidOperationException($"Unpacking {package} did not produce {marker}.");
        }

        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }

        Directory.Move(staging, root);
        Directory.Delete(downloads, recursive: true);
    }

    /// <summary>
    /// The package and the closure of its Depends/Pre-Depends that dpkg does not list as installed, walked a level at a time
    /// (one apt-cache and one dpkg-query per level, not per package). Of alternatives (<c>a | b</c>) none is taken when one is
    /// installed, else the first; virtual packages (<c>&lt;name&gt;</c>) are left out, since they name a choice of providers
    /// that a headless tool does not need (gsettings or desktop-portal backends).
    /// </summary>
    private static async Task<List<string>> MissingClosureAsync(string package, string workingDirectory)
    {
        var wanted = new List<string> { package };
        var seen = new HashSet<string>(StringComparer.Ordinal) { package };
        var level = new List<string> { package };
        var updated = false;
        while (level.Count > 0)
        {
            var depends = await ProcessRunner.RunAsync(
                "apt-cache",
                ["depends", "--no-recommends", "--no-suggests", "--no-conflicts", "--no-breaks", "--no-replaces", "--no-enhances", .. level],
                workingDirectory,
                AptTimeout).ConfigureAwait(false);
            if (depends.ExitCode != 0 && !updated)
            {
                // A fresh container has no package lists yet.
                updated = true;
                await ProcessRunner.RunAsync("apt-get", ["update"], workingDirectory, AptTimeout).ConfigureAwait(false);
                continue;
            }

            if (depends.ExitCode != 0)
            {
                throw new InvalidOperationException($"apt-cache depends {string.Join(' ', level)} failed ({depends.ExitCode}): {depends.StandardError}");
            }

            var groups = DependencyGroups(depends.StandardOutput);
            var names = groups.SelectMany(g => g).Distinct(StringComparer.Ordinal).ToList();
            var installed = await InstalledAsync(names, workingDirectory).ConfigureAwait(false);
            var next = new List<string>();
            foreach (var group in groups)
            {
                if (group.Any(installed.Contains))
                {
                    continue;
                }

                var pick = group[0];
                if (seen.Add(pick))
                {
                    wanted.Add(pick);
                    next.Add(pick);
                }
            }

            level = next;
        }

        return wanted;
    }

    /// <summary>Parses apt-cache depends output into groups of alternatives (virtual packages dropped).</summary>
    private static List<List<string>> DependencyGroups(string output)
    {
        var groups = new List<List<string>>();
        List<string>? open = null;
        foreach (var raw in output.Split('\n'))
        {
            var line = raw.Trim();
            var alternative = line.StartsWith('|');
            line = line.TrimStart('|');
            if (!line.StartsWith("Depends:", StringComparison.Ordinal) && !line.StartsWith("PreDepends:", StringComparison.Ordinal))
            {
                continue;
            }

            var name = line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
            open ??= [];
            if (!name.StartsWith('<'))
            {
                open.Add(name);
            }

            if (!alternative)
            {
                // The last of an alternatives group carries no '|'.
                if (open.Count > 0)
                {
                    groups.Add(open);
                }

                open = null;
            }
        }

        return groups;
    }

    private static async Task<HashSet<string>> InstalledAsync(List<string> names, string workingDirectory)
    {
        var installed = new HashSet<string>(StringComparer.Ordinal);
        if (names.Count == 0)
        {
            return installed;
        }

        // dpkg-query exits 1 when some name is unknown; the lines it prints for the others still count.
        var query = await ProcessRunner.RunAsync(
            "dpkg-query", ["-W", "-f=${Package} ${Status}\n", .. names], workingDirectory, AptTimeout).ConfigureAwait(false);
        foreach (var line in query.StandardOutput.Split('\n'))
        {
            if (line.EndsWith(" install ok installed", StringComparison.Ordinal))
            {
                installed.Add(line[..line.IndexOf(' ', StringComparison.Ordinal)]);
            }
        }

        return installed;
    }

    /// <summary>Every unpacked folder holding a shared library, so the binaries find the libraries that came with them.</summary>
    private static string LibraryPathOf(string root) =>
        string.Join(':', Directory.EnumerateFiles(root, "*.so*", SearchOption.AllDirectories)
            .Select(Path.GetDirectoryName)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal));

    private static void Recreate(string directory)
    {
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }

        Directory.CreateDirectory(directory);
    }
}
