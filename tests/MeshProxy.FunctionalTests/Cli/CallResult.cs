using System.Text;
using System.Text.Json;

namespace MeshProxy.FunctionalTests.Cli;

/// <summary>What one in-process <c>meshproxy call</c> returned and printed.</summary>
internal sealed record CallResult(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>Every JSON document on stdout, as printed one per response message.</summary>
    public List<JsonElement> Documents()
    {
        var documents = new List<JsonElement>();
        var bytes = Encoding.UTF8.GetBytes(Stdout);
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { AllowMultipleValues = true });
        while (reader.Read())
        {
            documents.Add(JsonElement.ParseValue(ref reader));
        }

        return documents;
    }

    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
}
