using System.Diagnostics;
using System.Text;

namespace MeshProxy.TestSupport;

/// <summary>The outcome of a finished child process.</summary>
public sealed record ProcessResult(int ExitCode, byte[] StandardOutputBytes, string StandardError)
{
    /// <summary>Standard output decoded as UTF-8.</summary>
    public string StandardOutput => Encoding.UTF8.GetString(StandardOutputBytes);
}

/// <summary>Runs a child process to completion with a hard time limit; the process tree is killed on timeout.</summary>
public static class ProcessRunner
{
    public static async Task<ProcessResult> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        string? workingDirectory,
        TimeSpan timeout,
        byte[]? standardInput = null,
        IDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        if (environment is not null)
        {
            foreach (var (key, value) in environment)
            {
                start.Environment[key] = value;
            }
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        var stdoutBuffer = new MemoryStream();
        var stderrBuffer = new MemoryStream();
        var readOut = process.StandardOutput.BaseStream.CopyToAsync(stdoutBuffer);
        var readErr = process.StandardError.BaseStream.CopyToAsync(stderrBuffer);
        if (standardInput is not null)
        {
            await process.StandardInput.BaseStream.WriteAsync(standardInput).ConfigureAwait(false);
        }

        process.StandardInput.Close();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', arguments)} did not finish within {timeout}.");
        }

        await Task.WhenAll(readOut, readErr).ConfigureAwait(false);
        return new ProcessResult(
            process.ExitCode,
            stdoutBuffer.ToArray(),
            Encoding.UTF8.GetString(stderrBuffer.ToArray()));
    }
}
