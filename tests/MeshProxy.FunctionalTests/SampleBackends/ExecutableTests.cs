using System.Diagnostics;
using Grpc.Core;
using Grpc.Net.Client;
using MeshProxy.SampleBackends;
using MeshProxy.Samples.Users.V1;
using MeshProxy.TestSupport;

namespace MeshProxy.FunctionalTests.SampleBackends;

/// <summary>The real executable, as the demo launches it: dotnet MeshProxy.SampleBackends.dll next to this assembly.</summary>
public sealed class ExecutableTests
{
    private static readonly string Dll = Path.Combine(AppContext.BaseDirectory, "MeshProxy.SampleBackends.dll");

    [Fact]
    public async Task Executable_PortZero_PrintsListeningLineServesAndStopsOnSigterm()
    {
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Dll, "--port", "0", "--version", "v2", "--fault", "users.v1.UserService/DeleteUser:status=UNAVAILABLE" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the sample backend.");
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            var line = await ReadListeningLineAsync(process).DefaultTimeout();
            Assert.Matches(@"^listening on http://127\.0\.0\.1:\d+ version=v2$", line);
            var address = line["listening on ".Length..line.IndexOf(' ', "listening on ".Length)];

            using var channel = GrpcChannel.ForAddress(address);
            var users = new UserService.UserServiceClient(channel);
            using var call = users.GetUserAsync(new GetUserRequest { UserId = "u-1002" });
            var user = await call.ResponseAsync.DefaultTimeout();
            Assert.Equal("Grace Hopper", user.DisplayName);
            Assert.Equal("v2", (await call.ResponseHeadersAsync.DefaultTimeout()).GetValue("x-backend-version"));
            await GrpcAssert.FailsWith(StatusCode.Unavailable, () => users.DeleteUserAsync(new DeleteUserRequest { UserId = "u-1002" }).ResponseAsync);

            var kill = await ProcessRunner.RunAsync("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)], null, TimeSpan.FromSeconds(10)).DefaultTimeout();
            Assert.Equal(0, kill.ExitCode);
            await process.WaitForExitAsync().DefaultTimeout();
            Assert.True(process.ExitCode == 0, $"Exit code {process.ExitCode}; stderr: {await stderr.DefaultTimeout()}");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    [Fact]
    public async Task Executable_BadArguments_ExitsWithUsage()
    {
        var result = await ProcessRunner.RunAsync("dotnet", [Dll, "--port", "http", "--fault", "*:status=NOPE"], null, TimeSpan.FromSeconds(60)).DefaultTimeout();

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--port 'http'", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("NOPE", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("Usage:", result.StandardError, StringComparison.Ordinal);
        Assert.Empty(result.StandardOutput);
    }

    [Fact]
    public async Task Executable_PortInUse_ExitsWithClearError()
    {
        await using var occupant = await SampleBackend.StartAsync(new SampleBackendOptions { Port = 0 }).DefaultTimeout();

        var result = await ProcessRunner.RunAsync("dotnet", [Dll, "--port", occupant.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)], null, TimeSpan.FromSeconds(60)).DefaultTimeout();

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"Could not listen on 127.0.0.1:{occupant.Port}", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.StandardError, StringComparison.Ordinal);
    }

    private static async Task<string> ReadListeningLineAsync(Process process)
    {
        while (await process.StandardOutput.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("listening on ", StringComparison.Ordinal))
            {
                return line;
            }
        }

        throw new InvalidOperationException($"The backend exited ({process.ExitCode}) before it printed its listening line.");
    }
}
