using MeshProxy.Configuration;

namespace MeshProxy.Cli;

/// <summary><c>meshproxy validate FILE</c>: every error with its path on stderr and exit 1, or a one-line summary.</summary>
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
            context.Error.WriteLine($"{args[0]}: {result.Errors.Count} error(s)");
            foreach (var error in result.Errors)
            {
                context.Error.WriteLine($"  {error}");
            }

            return ExitCodes.Failure;
        }

        var config = result.Config;
        context.Out.WriteLine($"{args[0]}: OK (version {config.Version ?? "(none)"}, {config.Routes.Count} routes, {config.Clusters.Count} clusters)");
        return ExitCodes.Ok;
    }
}
