using MeshProxy.Configuration;
using MeshProxy.Transcoding.Rest;

namespace MeshProxy.Cli;

/// <summary>
/// <c>meshproxy validate FILE</c>: every error with its path on stderr and exit 1, or a one-line summary. The
/// descriptor sets of a <c>transcoding:</c> section are loaded too, by the code the sidecar runs, so a missing or
/// corrupt file or a rule that does not build fails here rather than at start.
/// </summary>
internal static class ValidateCommand
{
    public static int Run(string[] args, CommandContext context)
    {
        if (args.Length != 1 || args[0].StartsWith('-'))
        {
            context.Error.WriteLine("Usage: meshproxy validate FILE");
            return ExitCodes.Usage;
        }

        var path = args[0];
        var result = ConfigLoader.LoadFile(path);
        if (!result.Succeeded)
        {
            return Fail(context, path, result.Errors);
        }

        var config = result.Config;
        var rest = string.Empty;
        if (config.Transcoding is { } transcoding)
        {
            var errors = new ConfigErrors();
            var paths = new TranscodingPaths(Path.GetDirectoryName(Path.GetFullPath(path)) ?? Environment.CurrentDirectory);
            var files = transcoding.DescriptorSets.Select(paths.Resolve).ToArray();
            var snapshot = DescriptorSetLoader.Read(files, errors) is { } read
                ? DescriptorSetLoader.Build(transcoding, files, read.Contents, read.Hash, errors)
                : null;
            if (snapshot is null)
            {
                return Fail(context, path, errors.All);
            }

            rest = $", {snapshot.Table.Bindings.Count} REST bindings";
        }

        context.Out.WriteLine($"{path}: OK (version {config.Version ?? "(none)"}, {config.Routes.Count} routes, {config.Clusters.Count} clusters{rest})");
        return ExitCodes.Ok;
    }

    private static int Fail(CommandContext context, string path, IReadOnlyList<ConfigError> errors)
    {
        context.Error.WriteLine($"{path}: {errors.Count} error(s)");
        foreach (var error in errors)
        {
            context.Error.WriteLine($"  {error}");
        }

        return ExitCodes.Failure;
    }
}
