using System.IO.MemoryMappedFiles;
using System.Text;
using MeshProxy.Hosting;
using MeshProxy.TestSupport;

namespace MeshProxy.Tests.Hosting;

/// <summary>Which mappings <see cref="ExecutablePages"/> releases, and that a released file mapping reads back the same.</summary>
public sealed class ExecutablePagesTests
{
    private const string Executable = "/app/meshproxy";

    [Fact]
    public void CleanReadOnlyMappings_OnlyTheFilesResidentReadOnlyMappingsWithNoPageOfTheirOwn()
    {
        string[] smaps =
        [
            "55ecaec58000-55ecaec81000 r--p 00000000 08:01 1234                       /app/meshproxy",
            "Size:                164 kB",
            "Rss:                 164 kB",
            "Anonymous:             0 kB",
            "55ecaec81000-55ecaf7e2000 r-xp 00029000 08:01 1234                       /app/meshproxy",
            "Rss:                9852 kB",
            "Anonymous:             0 kB",
            "VmFlags: rd ex mr mw me dw sd",
            // Relocated after load, then made read-only: its written pages exist nowhere else.
            "55ecafff4000-55ecafff5000 r--p 00e3e000 08:01 1234                       /app/meshproxy",
            "Rss:                   4 kB",
            "Anonymous:             4 kB",
            "55ecafff5000-55ecb047b000 r--p 00e3f000 08:01 1234                       /app/meshproxy",
            "Rss:                   0 kB",
            "Anonymous:             0 kB",
            "55ecb047d000-55ecb04d4000 rw-p 012c8000 08:01 1234                       /app/meshproxy",
            "Rss:                 348 kB",
            "Anonymous:           136 kB",
            "55ecb04d4000-55ecb04d8000 rw-p 00000000 00:00 0",
            "Rss:                  16 kB",
            "Anonymous:            16 kB",
            // Another file whose path ends like the executable's.
            "7f0e1b000000-7f0e1b001000 r--p 00000000 08:01 77                         /srv/app/meshproxy",
            "Rss:                   4 kB",
            "Anonymous:             0 kB",
            "7f0e1c000000-7f0e1c200000 r-xp 00000000 08:01 99                         /usr/lib/x86_64-linux-gnu/libc.so.6",
            "Rss:                1400 kB",
            "Anonymous:             0 kB",
        ];

        var clean = ExecutablePages.CleanReadOnlyMappings(Encoding.UTF8.GetBytes(string.Join('\n', smaps) + "\n"), Executable);

        Assert.Equal(
            [(0x55ecaec58000, 0x29000u, 164L * 1024), (0x55ecaec81000, 0xb61000u, 9852L * 1024)],
            clean.Select(m => ((long)m.Start, (ulong)m.Length, m.ResidentBytes)));
    }

    [Fact]
    public void Release_AResidentReadOnlyFileMapping_LeavesTheResidentSet_AndReadsBackTheSame()
    {
        using var temp = TempPath.File("pages");
        var path = temp.Path;
        var content = new byte[1024 * 1024];
        new Random(11).NextBytes(content);
        File.WriteAllBytes(path, content);
        using var file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        using var view = file.CreateViewAccessor(0, content.Length, MemoryMappedFileAccess.Read);
        Assert.Equal(content, Read(view, content.Length));
        Assert.Equal(content.Length, ResidentBytes(path));

        var released = ExecutablePages.Release(path);

        Assert.Equal(content.Length, released);
        Assert.Equal(0, ResidentBytes(path));
        Assert.Equal(content, Read(view, content.Length));
    }

    private static byte[] Read(MemoryMappedViewAccessor view, int length)
    {
        var bytes = new byte[length];
        view.ReadArray(0, bytes, 0, length);
        return bytes;
    }

    private static long ResidentBytes(string path) =>
        ExecutablePages.CleanReadOnlyMappings(File.ReadAllBytes("/proc/self/smaps"), path).Sum(m => m.ResidentBytes);
}
