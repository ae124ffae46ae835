using System.Globalization;
using System.Text;
using MeshProxy.Cli.Canary;
using MeshProxy.Configuration;

namespace MeshProxy.Cli;

/// <summary>
/// <c>meshproxy canary set FILE ROUTE CLUSTER=WEIGHT...</c> moves a route's split by rewriting only the weight numbers
/// of the config file (comments and layout kept), after checking the result exactly as <c>validate</c> does; the file is
/// replaced atomically, so a sidecar reloading it live sees the old config or the new one, never half of it.
/// <c>meshproxy canary show FILE</c> prints every route's split. A wrong command line exits 2 before the file is read;
/// anything the file refuses exits 1 with every error and its path, and the file is left as it was.
/// </summary>
internal static class CanaryCommand
{
    public const string Usage = """
        Usage: meshproxy canary set FILE ROUTE CLUSTER=WEIGHT...
               meshproxy canary show FILE

        set   Set the weights of ROUTE's backends in FILE in place (only the numbers change; comments and layout stay).
              Backends not named keep their weight. The edited file must pass `meshproxy validate`, or nothing is written.
        show  Print each route's split: cluster=weight (percentage).

        """;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static int Run(string[] args, CommandContext context)
    {
        switch (args)
        {
            case ["--help" or "-h"]:
                context.Out.Write(Usage);
                return ExitCodes.Ok;
            case ["show", var file] when !file.StartsWith('-'):
                return Show(file, context);
            case ["set", var file, var route, .. var pairs] when pairs.Length > 0 && !file.StartsWith('-'):
                return TryParseWeights(pairs, context, out var weights) ? Set(file, route, weights, context) : ExitCodes.Usage;
            default:
                context.Error.Write(Usage);
                return ExitCodes.Usage;
        }
    }

    private static bool TryParseWeights(string[] pairs, CommandContext context, out List<KeyValuePair<string, int>> weights)
    {
        weights = [];
        foreach (var pair in pairs)
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var cluster = equals > 0 ? pair[..equals] : string.Empty;
            if (cluster.Length == 0)
            {
                context.Error.WriteLine($"meshproxy canary: expected CLUSTER=WEIGHT, found '{pair}'.");
                return false;
            }

            if (!int.TryParse(pair.AsSpan(equals + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var weight))
            {
                context.Error.WriteLine($"meshproxy canary: the weight of '{cluster}' must be an integer >= 0, found '{pair[(equals + 1)..]}'.");
                return false;
            }

            if (weights.Any(w => w.Key == cluster))
            {
                context.Error.WriteLine($"meshproxy canary: '{cluster}' is given twice.");
                return false;
            }

            weights.Add(new(cluster, weight));
        }

        return true;
    }

    private static int Set(string file, string route, List<KeyValuePair<string, int>> weights, CommandContext context)
    {
        // Edit what a symlink points at (a config kept in a dotfiles or ConfigMap-like layout), so the link survives.
        string target;
        byte[] bytes;
        try
        {
            target = new FileInfo(file).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? Path.GetFullPath(file);
            bytes = File.ReadAllBytes(target);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            context.Error.WriteLine($"{file}: cannot read: {ex.Message}");
            return ExitCodes.Failure;
        }

        // Keep a byte order mark as found; every other byte outside the weights is copied through the text unchanged.
        var bom = bytes.AsSpan().StartsWith(Encoding.UTF8.Preamble);
        string text;
        try
        {
            text = StrictUtf8.GetString(bytes.AsSpan(bom ? 3 : 0));
        }
        catch (DecoderFallbackException)
        {
            context.Error.WriteLine($"{file}: not UTF-8 text; nothing written");
            return ExitCodes.Failure;
        }

        var edit = CanaryWeightEditor.Apply(text, route, weights);
        if (!edit.Succeeded)
        {
            return Refuse(file, edit.Errors, context);
        }

        if (!ValidateCommand.TryCheck(ConfigLoader.Load(edit.Text), target, out var config, out _, out var errors))
        {
            return Refuse(file, errors, context);
        }

        if (edit.Text != text)
        {
            try
            {
                WriteAtomically(target, bom ? [.. Encoding.UTF8.Preamble, .. StrictUtf8.GetBytes(edit.Text)] : StrictUtf8.GetBytes(edit.Text));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                context.Error.WriteLine($"{file}: cannot write: {ex.Message}; the file is unchanged");
                return ExitCodes.Failure;
            }
        }

        var written = config.Routes.First(r => r.Name == route);
        context.Out.WriteLine($"{file}: {(edit.Text == text ? "unchanged" : "updated")}: {Split(written)}");
        return ExitCodes.Ok;
    }

    private static int Show(string file, CommandContext context)
    {
        var result = ConfigLoader.LoadFile(file);
        if (!result.Succeeded)
        {
            return ValidateCommand.Report(file, result.Errors, context);
        }

        foreach (var route in result.Config.Routes)
        {
            context.Out.WriteLine(Split(route));
        }

        return ExitCodes.Ok;
    }

    /// <summary><c>users: users-v1=90 (90%), users-v2=10 (10%)</c>.</summary>
    private static string Split(RouteConfig route)
    {
        var total = route.Backends.Sum(b => (long)b.Weight);
        var parts = route.Backends.Select(b =>
            string.Create(CultureInfo.InvariantCulture, $"{b.Cluster}={b.Weight} ({(total == 0 ? 0 : b.Weight * 100.0 / total):0.#}%)"));
        return $"{route.Name}: {string.Join(", ", parts)}";
    }

    private static int Refuse(string file, IReadOnlyList<ConfigError> errors, CommandContext context)
    {
        ValidateCommand.Report(file, errors, context);
        context.Error.WriteLine($"{file}: edit refused; the file is unchanged");
        return ExitCodes.Failure;
    }

    /// <summary>
    /// Temp file in the same directory (same file system, so the rename is atomic), flushed to disk, then renamed over
    /// the config: the sidecar's watcher and poll read either the old bytes or the new ones.
    /// </summary>
    private static void WriteAtomically(string path, byte[] content)
    {
        var directory = Path.GetDirectoryName(path) ?? Environment.CurrentDirectory;
        var temp = Path.Combine(directory, $".{Path.GetFileName(path)}.canary-{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }

            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temp, File.GetUnixFileMode(path));
            }

            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }
}
