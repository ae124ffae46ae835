using System.Text;
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
