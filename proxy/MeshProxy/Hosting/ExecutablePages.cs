using System.Buffers;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

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

    private static readonly SearchValues<byte> HexDigits = SearchValues.Create("0123456789abcdef"u8);

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
            // Read whole into one array (~80 KB for the sidecar's ~100 mappings) and parsed in place: this runs right
            // after the trim's collection, so every string it made would stay in the fresh heap until the next one.
            foreach (var mapping in CleanReadOnlyMappings(File.ReadAllBytes("/proc/self/smaps"), path))
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

    /// <summary>The mappings of <paramref name="path"/> in <paramref name="smaps"/> (the file's bytes) that are read-only, resident and clean.</summary>
    internal static List<FileMapping> CleanReadOnlyMappings(ReadOnlySpan<byte> smaps, string path)
    {
        var clean = new List<FileMapping>();
        var pathBytes = Encoding.UTF8.GetBytes(path);
        FileMapping? current = null;
        while (!smaps.IsEmpty)
        {
            var end = smaps.IndexOf((byte)'\n');
            var line = end < 0 ? smaps : smaps[..end];
            smaps = end < 0 ? [] : smaps[(end + 1)..];
            if (FileMapping.TryParseHeader(line, pathBytes, out var header))
            {
                current = header;
            }
            else if (IsHeader(line))
            {
                current = null;
            }
            else if (current is not null && line.StartsWith("Rss:"u8))
            {
                current = current with { ResidentBytes = Kibibytes(line) * 1024 };
            }
            else if (current is not null && line.StartsWith("Anonymous:"u8))
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

    // "55ecaec81000-55ecaf7e2000 r-xp ...": hex digits up to a dash, where a field line has a name and a colon.
    private static bool IsHeader(ReadOnlySpan<byte> line)
    {
        var dash = line.IndexOf((byte)'-');
        return dash > 0 && !line[..dash].ContainsAnyExcept(HexDigits);
    }

    // "Rss:                9852 kB"
    private static long Kibibytes(ReadOnlySpan<byte> line)
    {
        var value = line[(line.IndexOf((byte)':') + 1)..].Trim((byte)' ');
        var space = value.IndexOf((byte)' ');
        return long.TryParse(space < 0 ? value : value[..space], NumberStyles.None, CultureInfo.InvariantCulture, out var kib) ? kib : 0;
    }

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(nint address, nuint length, int advice);

    /// <summary>One read-only mapping of smaps: its address range, permissions (e.g. <c>r-xp</c>), the file and its resident bytes.</summary>
    internal sealed record FileMapping(nint Start, nuint Length, string Permissions, string Path, long ResidentBytes)
    {
        public bool Executable => Permissions[2] == 'x';

        // "55ecaec81000-55ecaf7e2000 r-xp 00029000 08:01 1234      /app/meshproxy": a read-only mapping of the file
        // at path only (any other header is left to IsHeader, so that no string is made for it).
        public static bool TryParseHeader(ReadOnlySpan<byte> line, ReadOnlySpan<byte> path, out FileMapping mapping)
        {
            mapping = null!;
            var dash = line.IndexOf((byte)'-');
            var space = line.IndexOf((byte)' ');
            if (!line.EndsWith(path)
                || dash <= 0
                || space <= dash
                || line.Length < space + 5
                || line[space + 1] != (byte)'r'
                || line[space + 2] != (byte)'-'
                || line[..(line.Length - path.Length)].TrimEnd((byte)' ').Length == line.Length - path.Length
                || !long.TryParse(line[..dash], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var start)
                || !long.TryParse(line[(dash + 1)..space], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var end))
            {
                return false;
            }

            mapping = new FileMapping((nint)start, (nuint)(end - start), Encoding.ASCII.GetString(line.Slice(space + 1, 4)), Encoding.UTF8.GetString(path), 0);
            return true;
        }
    }
}
