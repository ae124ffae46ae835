namespace MeshProxy.TestSupport;

/// <summary>
/// A file or folder of one test's own under the temp folder, gone again when disposed. Test processes run in parallel
/// on a shared machine, so every name carries a fresh GUID; the <c>meshproxy-{purpose}-</c> prefix says which test left
/// something behind if a run is killed before it can clean up.
/// Usage: <c>using var config = TempPath.File("run", ".yaml"); await File.WriteAllTextAsync(config.Path, yaml);</c>
/// </summary>
public sealed class TempPath : IDisposable
{
    private readonly bool _directory;

    private TempPath(string purpose, string extension, bool directory)
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"meshproxy-{purpose}-{Guid.NewGuid():N}{extension}");
        _directory = directory;
    }

    /// <summary>Absolute, so it names the same place to a child process whatever that process's working folder.</summary>
    public string Path { get; }

    /// <summary>A file path; nothing is created, so a test may also use it as a file that does not exist.</summary>
    /// <param name="purpose">A word for the test or fixture, e.g. <c>run</c>.</param>
    /// <param name="extension">With its dot, e.g. <c>.yaml</c>; some readers go by it.</param>
    public static TempPath File(string purpose, string extension = "") => new(purpose, extension, directory: false);

    /// <summary>A folder, deleted with everything in it.</summary>
    /// <param name="purpose">A word for the test or fixture, e.g. <c>reload</c>.</param>
    /// <param name="create">False for code that tells a first use from a later one by whether the folder exists.</param>
    public static TempPath Directory(string purpose, bool create = true)
    {
        var temp = new TempPath(purpose, "", directory: true);
        if (create)
        {
            System.IO.Directory.CreateDirectory(temp.Path);
        }

        return temp;
    }

    public override string ToString() => Path;

    /// <summary>Deletes the file or folder if it is there.</summary>
    /// <remarks>
    /// Never throws: Dispose runs in finally blocks, where an exception would hide the test's own failure, and a leftover
    /// in the temp folder is harmless (a process the test started may still be writing into a folder being deleted).
    /// </remarks>
    public void Dispose()
    {
        try
        {
            if (_directory)
            {
                System.IO.Directory.Delete(Path, recursive: true);
            }
            else
            {
                System.IO.File.Delete(Path);
            }
        }
        catch (IOException)
        {
            // DirectoryNotFoundException (already gone) included.
        }
    }
}
