using System.Text;
using System.Text.Json;
using MeshProxy.Cli;
using MeshProxy.TestSupport;

namespace MeshProxy.FunctionalTests.Cli;

/// <summary>Runs <see cref="CallCommand"/> in-process with buffered streams.</summary>
internal static class CallRunner
{
    public static async Task<CallResult> RunAsync(string[] args, string? stdin = null)
    {
        using var input = new MemoryStream(Encoding.UTF8.GetBytes(stdin ?? string.Empty));
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await CallCommand.RunAsync(args, input, stdout, stderr).DefaultTimeout();
        return new CallResult(code, stdout.ToString(), stderr.ToString());
    }
}

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
