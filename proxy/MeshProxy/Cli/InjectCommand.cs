using MeshProxy.Cli.Inject;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace MeshProxy.Cli;

/// <summary>
/// <c>meshproxy inject [--uninject] [--image IMAGE] [--config-map NAME] [FILE|- ...]</c>: reads Kubernetes manifests
/// (several YAML documents, or a List) from the files or stdin and writes them to stdout with the sidecar added to
/// every workload's pod template (<see cref="SidecarInjector"/>), or removed with <c>--uninject</c>. A summary goes to
/// stderr, so the output pipes straight into <c>kubectl apply -f -</c>.
/// </summary>
internal static class InjectCommand
{
    private const string Usage = "Usage: meshproxy inject [--uninject] [--image IMAGE] [--config-map NAME] [FILE|- ...]";

    public static async Task<int> RunAsync(string[] args, TextReader stdin, CommandContext context)
    {
        var options = new InjectOptions();
        var files = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--uninject":
                    options = options with { Uninject = true };
                    break;
                case "--image" when i + 1 < args.Length:
                    options = options with { Image = args[++i] };
                    break;
                case "--config-map" when i + 1 < args.Length:
                    options = options with { ConfigMap = args[++i] };
                    break;
                case "-":
                    files.Add("-");
                    break;
                case var other when other.StartsWith('-'):
                    context.Error.WriteLine($"meshproxy inject: unknown option '{other}'.");
                    context.Error.WriteLine(Usage);
                    return ExitCodes.Usage;
                default:
                    files.Add(args[i]);
                    break;
            }
        }

        if (files.Count == 0)
        {
            files.Add("-");
        }

        var injector = new SidecarInjector(options);
        var documents = new List<YamlDocument>();
        foreach (var file in files)
        {
            try
            {
                var text = file == "-" ? await stdin.ReadToEndAsync(context.Cancellation).ConfigureAwait(false) : await File.ReadAllTextAsync(file, context.Cancellation).ConfigureAwait(false);
                var stream = new YamlStream();
                stream.Load(new StringReader(text));
                documents.AddRange(stream.Documents);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                context.Error.WriteLine($"meshproxy inject: cannot read {file}: {ex.Message}");
                return ExitCodes.Failure;
            }
            catch (YamlException ex)
            {
                context.Error.WriteLine($"meshproxy inject: {(file == "-" ? "stdin" : file)} is not YAML (line {ex.Start.Line}, column {ex.Start.Column}): {ex.InnerException?.Message ?? ex.Message}");
                return ExitCodes.Failure;
            }
        }

        var changed = 0;
        foreach (var document in documents)
        {
            changed += injector.Apply(document.RootNode);
        }

        for (var i = 0; i < documents.Count; i++)
        {
            if (i > 0)
            {
                await context.Out.WriteLineAsync("---").ConfigureAwait(false);
            }

            await context.Out.WriteAsync(Serialize(documents[i])).ConfigureAwait(false);
        }

        context.Error.WriteLine($"meshproxy inject: {(options.Uninject ? "uninjected" : "injected")} {changed} pod template(s) in {documents.Count} document(s)");
        return ExitCodes.Ok;
    }

    // One document as YAML; YamlStream.Save ends it with a "..." marker, which a "---" separated stream does without.
    private static string Serialize(YamlDocument document)
    {
        using var writer = new StringWriter();
        new YamlStream(document).Save(writer, assignAnchors: false);
        var text = writer.ToString().Replace("\r\n", "\n", StringComparison.Ordinal);
        return text.EndsWith("...\n", StringComparison.Ordinal) ? text[..^4] : text;
    }
}
