using System.Text.Json;

namespace MeshProxy.FunctionalTests.Deployment;

/// <summary>
/// A Dockerfile read into its instructions (continuation lines joined, comments dropped), enough for tests to hold
/// the file to what CI actually runs: its RUN commands, the runtime stage's base image, user, ports and entrypoint.
/// </summary>
internal sealed class Dockerfile
{
    private Dockerfile(IReadOnlyList<(string Keyword, string Arguments)> instructions) => Instructions = instructions;

    public IReadOnlyList<(string Keyword, string Arguments)> Instructions { get; }

    /// <summary>The instructions of the last stage (the image that runs).</summary>
    public IReadOnlyList<(string Keyword, string Arguments)> RuntimeStage =>
        Instructions.Skip(Instructions.Select((i, n) => (i, n)).Last(x => x.i.Keyword == "FROM").n).ToList();

    public static Dockerfile Load(string path)
    {
        var instructions = new List<(string, string)>();
        var pending = string.Empty;
        foreach (var raw in File.ReadAllLines(path))
        {
            var line = raw.Trim();
            if (line.StartsWith('#') || line.Length == 0)
            {
                continue;
            }

            if (line.EndsWith('\\'))
            {
                pending += line[..^1].Trim() + " ";
                continue;
            }

            line = pending + line;
            pending = string.Empty;
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            instructions.Add((line[..space].ToUpperInvariant(), line[(space + 1)..].Trim()));
        }

        return new Dockerfile(instructions);
    }

    /// <summary>The words of the RUN command that starts with <paramref name="prefix"/> (shell form, no quoting used).</summary>
    public string[] Run(string prefix) =>
        Instructions.Where(i => i.Keyword == "RUN" && i.Arguments.StartsWith(prefix, StringComparison.Ordinal))
            .Select(i => i.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Single();

    /// <summary>An exec-form (JSON array) instruction of the runtime stage, such as ENTRYPOINT or CMD.</summary>
    public string[] ExecForm(string keyword) =>
        JsonSerializer.Deserialize<string[]>(RuntimeStage.Single(i => i.Keyword == keyword).Arguments)
            ?? throw new InvalidOperationException($"{keyword} is not a JSON array.");

    public string RuntimeSingle(string keyword) => RuntimeStage.Single(i => i.Keyword == keyword).Arguments;
}
