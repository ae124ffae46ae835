using System.Globalization;
using System.Runtime.InteropServices;

namespace MeshProxy.Hosting;

/// <summary>
/// Unmaps the pages of the sidecar's own executable that it is not using, so that they leave its resident set until
/// touched again. Start-up reads most of the Native AOT executable once: the dehydrated type data (written out to
/// <c>.hydrated</c> and never read again), start-up's code, and whatever the kernel's fault-around mapped beside each
/// page it read (64 KiB at a time). The pages are clean copies of the file in the page cache, so dropping their
/// mappings loses nothing: a page needed again is mapped back by a minor fault, alone, since <c>MADV_RANDOM</c> turns
/// fault-around off for these mappings. Measured on the bench config: 20 MiB of the executable resident after a
/// saturating run, 3 MiB two seconds after this release (docs/benchmarks.md).
/// </summary>
/// <remarks>
/// Only read-only mappings with no page of their own (<c>Anonymous: 0 kB</c> in smaps) are released: a page written
/// after load and made read-only again (relocated data) would otherwise be read back from the file, wrong.
/// </remarks>
internal static partial class ExecutablePages
{
    private const int MadviseRandom = 1;
    private const int MadviseDontNeed = 4;

    /// <summary>Releases the running executable's clean read-only pages; returns how many bytes were resident.</summary>
    public static long ReleaseOwn() =>
        Environment.ProcessPath is { } executable ? Release(executable) : 0;

    /// <summary>
    /// Releases the clean read-only pages this process maps from <paramref name="path"/>; returns how many bytes were
    /// resident, 0 where the system cannot say or do it (no smaps, no madvise): the pages then simply stay.
    /// </summary>
    public static long Release(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return 0;
        }

        long released = 0;
        try
        {
            foreach (var mapping in CleanReadOnlyMappings(File.ReadLines("/proc/self/smaps"), path))
            {
                _ = Madvise(mapping.Start, mapping.Length, MadviseRandom);
                if (Madvise(mapping.Start, mapping.Length, MadviseDontNeed) == 0)
                {
                    released += mapping.ResidentBytes;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or DllNotFoundException or EntryPointNotFoundException)
        {
            // A sandbox without /proc/self/smaps, or a libc without madvise: a trim that gives back less, not a failure.
        }

        return released;
    }

    /// <summary>The mappings of <paramref name="path"/> in <paramref name="smaps"/> that are read-only, resident and clean.</summary>
    internal static List<FileMapping> CleanReadOnlyMappings(IEnumerable<string> smaps, string path)
    {
        var clean = new List<FileMapping>();
        FileMapping? current = null;
        foreach (var line in smaps)
        {
            if (FileMapping.TryParseHeader(line, out var header))
            {
                current = header.Path == path && header.ReadOnly ? header : null;
            }
            else if (current is not null && line.StartsWith("Rss:", StringComparison.Ordinal))
            {
                current = current with { ResidentBytes = Kibibytes(line) * 1024 };
            }
            else if (current is not null && line.StartsWith("Anonymous:", StringComparison.Ordinal))
            {
                if (Kibibytes(line) == 0 && current.ResidentBytes > 0)
                {
                    clean.Add(current);
                }

                current = null;
            }
        }

        return clean;
    }

    // "Rss:                9852 kB"
    private static long Kibibytes(string line)
    {
        var value = line.AsSpan(line.IndexOf(':', StringComparison.Ordinal) + 1).Trim();
        return long.Parse(value[..value.IndexOf(' ')], CultureInfo.InvariantCulture);
    }

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(nint address, nuint length, int advice);

    /// <summary>One mapping of smaps: its address range, permissions (e.g. <c>r-xp</c>), the file and its resident bytes.</summary>
    internal sealed record FileMapping(nint Start, nuint Length, string Permissions, string Path, long ResidentBytes)
    {
        public bool ReadOnly => Permissions[0] == 'r' && Permissions[1] == '-';

        public bool Executable => Permissions[2] == 'x';

        // "55ecaec81000-55ecaf7e2000 r-xp 00029000 08:01 1234      /app/meshproxy"
        public static bool TryParseHeader(string line, out FileMapping mapping)
        {
            mapping = null!;
            var fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var dash = fields.Length >= 5 ? fields[0].IndexOf('-', StringComparison.Ordinal) : -1;
            if (dash <= 0
                || fields[1].Length != 4
                || !long.TryParse(fields[0].AsSpan(0, dash), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var start)
                || !long.TryParse(fields[0].AsSpan(dash + 1), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var end))
            {
                return false;
            }

            // An anonymous mapping has no sixth field.
            var path = fields.Length == 6 ? fields[5] : "";
            mapping = new FileMapping((nint)start, (nuint)(end - start), fields[1], path, 0);
            return true;
        }
    }
}
