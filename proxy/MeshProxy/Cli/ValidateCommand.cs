using System.Diagnostics.CodeAnalysis;
using MeshProxy.Configuration;
using MeshProxy.Security.Authorization;
using MeshProxy.Transcoding.Rest;

namespace MeshProxy.Cli;

/// <summary>
/// <c>meshproxy validate FILE</c>: every error with its path on stderr and exit 1, or a one-line summary. Beyond the
/// config checks it loads the <c>transcoding:</c> descriptor sets exactly as the running sidecar does (same resolution
/// against the config file's directory, same <see cref="DescriptorSetLoader"/>), so a missing or corrupt set fails here
/// and not at start; so does a <c>jwt.jwksFile</c> that is missing, unreadable or holds no usable key (the check start
/// and reload make, <see cref="JwksKeySource"/>). HTTP rules the sidecar would leave out (it serves the others) are printed as warnings on stderr;
/// they do not fail validation, as they do not stop the sidecar.
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

        if (!TryCheck(ConfigLoader.LoadFile(args[0]), args[0], out var config, out var transcoding, out var errors))
        {
            return Report(args[0], errors, context);
        }

        var refused = transcoding?.RefusedRules ?? [];
        foreach (var rule in refused)
        {
            context.Error.WriteLine($"  warning: transcoding.descriptorSets: rule left out: {rule}");
        }

        var rest = transcoding is null ? string.Empty : $", {transcoding.Table.Bindings.Count} REST bindings{(refused.Count > 0 ? $", {refused.Count} rule(s) left out" : string.Empty)}";
        context.Out.WriteLine($"{args[0]}: OK (version {config.Version ?? "(none)"}, {config.Routes.Count} routes, {config.Clusters.Count} clusters{rest})");
        return ExitCodes.Ok;
    }

    /// <summary>
    /// The whole of validate's judgement on a loaded <paramref name="result"/> of <paramref name="file"/>'s text (which
    /// may be an edit not yet written, as <c>canary set</c> checks): the config rules, then its descriptor sets.
    /// </summary>
    public static bool TryCheck(ConfigLoadResult result, string file, [NotNullWhen(true)] out MeshProxyConfig? config, out TranscodingSnapshot? rest, out IReadOnlyList<ConfigError> errors)
    {
        config = null;
        rest = null;
        errors = result.Errors;
        if (!result.Succeeded)
        {
            return false;
        }

        // Both resolve against the config file's directory, as the running sidecar resolves them.
        var found = new ConfigErrors();
        var paths = new TranscodingPaths(Path.GetDirectoryName(Path.GetFullPath(file)) ?? Environment.CurrentDirectory);
        if (result.Config.Transcoding is { } transcoding)
        {
            rest = DescriptorSetLoader.Load(transcoding, paths, found);
        }

        JwksKeySource.Check(result.Config.Jwt, paths, found);
        if (found.HasErrors)
        {
            rest = null;
            errors = found.All;
            return false;
        }

        config = result.Config;
        return true;
    }

    /// <summary>Every error with its path on stderr, under a count; exit 1.</summary>
    public static int Report(string file, IReadOnlyList<ConfigError> errors, CommandContext context)
    {
        context.Error.WriteLine($"{file}: {errors.Count} error(s)");
        foreach (var error in errors)
        {
            context.Error.WriteLine($"  {error}");
        }

        return ExitCodes.Failure;
    }
}
