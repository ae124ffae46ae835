using MeshProxy.Configuration;
using MeshProxy.Transcoding.Rest;

namespace MeshProxy.Cli;

/// <summary>
/// <c>meshproxy validate FILE</c>: every error with its path on stderr and exit 1, or a one-line summary. Beyond the
/// config checks it loads the <c>transcoding:</c> descriptor sets exactly as the running sidecar does (same resolution
/// against the config file's directory, same <see cref="DescriptorSetLoader"/>), so a missing or corrupt set or a rule
/// table conflict fails here and not at start.
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

        var result = ConfigLoader.LoadFile(args[0]);
        if (!result.Succeeded)
        {
            return Report(args[0], result.Errors, context);
        }

        var config = result.Config;
        var bindings = 0;
        if (config.Transcoding is { } transcoding)
        {
            var errors = new ConfigErrors();
            var directory = Path.GetDirectoryName(Path.GetFullPath(args[0])) ?? Environment.CurrentDirectory;
            var snapshot = DescriptorSetLoader.Load(transcoding, new TranscodingPaths(directory), errors);
            if (snapshot is null)
            {
                return Report(args[0], errors.All, context);
            }

            bindings = snapshot.Table.Bindings.Count;
        }

        var rest = config.Transcoding is null ? string.Empty : $", {bindings} REST bindings";
        context.Out.WriteLine($"{args[0]}: OK (version {config.Version ?? "(none)"}, {config.Routes.Count} routes, {config.Clusters.Count} clusters{rest})");
        return ExitCodes.Ok;
    }

    private static int Report(string file, IReadOnlyList<ConfigError> errors, CommandContext context)
    {
        context.Error.WriteLine($"{file}: {errors.Count} error(s)");
        foreach (var error in errors)
        {
            context.Error.WriteLine($"  {error}");
        }

        return ExitCodes.Failure;
    }
}
