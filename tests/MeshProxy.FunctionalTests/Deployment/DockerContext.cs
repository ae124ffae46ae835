namespace MeshProxy.FunctionalTests.Deployment;

/// <summary>
/// The Docker build context as the repository's .dockerignore defines it, copied to a folder, so CI can publish from
/// exactly what `docker build` would see. Only the forms the file uses are understood: <c>*</c> (exclude everything),
/// <c>!name</c> (include a top-level file or folder) and <c>**/name</c> (exclude that name at any depth).
/// </summary>
internal sealed class DockerContext
{
    private readonly HashSet<string> _included = new(StringComparer.Ordinal);
    private readonly HashSet<string> _excludedAnywhere = new(StringComparer.Ordinal);

    private DockerContext()
    {
    }

    public static DockerContext Load(string dockerignore)
    {
        var context = new DockerContext();
        var lines = File.ReadAllLines(dockerignore).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        if (lines.FirstOrDefault() != "*")
        {
            throw new InvalidOperationException(".dockerignore must start with '*' (an allowlist).");
        }

        foreach (var line in lines.Skip(1))
        {
            if (line.StartsWith('!') && !line.Contains('/', StringComparison.Ordinal) && !line.Contains('*', StringComparison.Ordinal))
            {
                context._included.Add(line[1..]);
            }
            else if (line.StartsWith("**/", StringComparison.Ordinal) && !line[3..].Contains('/', StringComparison.Ordinal))
            {
                context._excludedAnywhere.Add(line[3..]);
            }
            else
            {
                throw new InvalidOperationException($".dockerignore line '{line}' is not a form the tests understand.");
            }
        }

        return context;
    }

    public bool Includes(string relativePath)
    {
        var segments = relativePath.Split('/', '\\');
        return _included.Contains(segments[0]) && !segments.Any(_excludedAnywhere.Contains);
    }

    /// <summary>Copies every included file under <paramref name="root"/> into <paramref name="destination"/>.</summary>
    public int CopyTo(string root, string destination)
    {
        var copied = 0;
        foreach (var entry in new DirectoryInfo(root).EnumerateFileSystemInfos().Where(e => _included.Contains(e.Name)))
        {
            copied += Copy(entry, Path.Combine(destination, entry.Name));
        }

        return copied;
    }

    private int Copy(FileSystemInfo entry, string target)
    {
        if (_excludedAnywhere.Contains(entry.Name))
        {
            return 0;
        }

        if (entry is FileInfo file)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            file.CopyTo(target);
            return 1;
        }

        return ((DirectoryInfo)entry).EnumerateFileSystemInfos().Sum(child => Copy(child, Path.Combine(target, child.Name)));
    }
}
