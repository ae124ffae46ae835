using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using MeshProxy.FunctionalTests.Infrastructure;
using MeshProxy.TestSupport;
using Xunit.Abstractions;

namespace MeshProxy.FunctionalTests.Drain;

/// <summary>The real executable (<c>meshproxy run</c>) drains on SIGTERM, as the kubelet sends it, and exits 0.</summary>
public sealed partial class SigtermDrainTests(ITestOutputHelper output)
{
    private static readonly string Dll = Path.Combine(AppContext.BaseDirectory, "meshproxy.dll");

    [Fact]
    public async Task Run_SigtermWithStreamInFlight_ReadinessFailsListenersCloseStreamFinishesOkAndExitZero()
    {
        await using var backend = await GatedStreamBackend.StartAsync();
        // Declared before the process, so it is deleted only after the finally below has killed the process.
        using var config = TempPath.File("drain", ".yaml");
        await File.WriteAllTextAsync(config.Path, $$"""
            listeners:
              grpc: { address: 127.0.0.1, port: 0 }
              rest: { address: 127.0.0.1, port: 0 }
              ops: { address: 127.0.0.1, port: 0 }
              admin: { address: 127.0.0.1, port: 0 }
            drain: { propagationDelay: 50ms, deadline: 30s }
            routes:
              - name: gated
                match: { prefix: / }
                cluster: gated
            clusters:
              gated:
                destinations:
                  - address: {{backend.Address}}
            """);
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Dll, "run", "--config", config.Path },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start meshproxy.");
        var stderr = process.StandardError.ReadToEndAsync();
        var lines = new ProcessLines(process, output);
        try
        {
            var grpc = Bound(await lines.WaitForAsync("Listener grpc bound to").DefaultTimeout());
            var ops = Bound(await lines.WaitForAsync("Listener ops bound to").DefaultTimeout());
            await lines.WaitForAsync("MeshProxy ready").DefaultTimeout();
            using var probes = new HttpClient();
            using var stream = await GrpcStream.StartAsync(new Uri($"http://{grpc}"), "/drain.v1.Gated/Stream").DefaultTimeout();
            Assert.Equal("first", await stream.ReadAsync().DefaultTimeout());

            var kill = await ProcessRunner.RunAsync("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)], null, TimeSpan.FromSeconds(10)).DefaultTimeout();
            Assert.Equal(0, kill.ExitCode);

            // Readiness fails as soon as the drain starts; liveness holds until exit.
            await lines.WaitForAsync("Drain started by a signal").DefaultTimeout();
            Assert.Equal(HttpStatusCode.ServiceUnavailable, await StatusAsync(probes, ops, "/healthz/ready"));
            Assert.Equal(HttpStatusCode.OK, await StatusAsync(probes, ops, "/healthz/live"));

            // After the propagation delay the gRPC listener refuses new connections; the open stream goes on.
            await lines.WaitForAsync("closing the gRPC and REST listeners").DefaultTimeout();
            await Connect.UntilRefusedAsync(grpc).DefaultTimeout();
            Assert.False(process.HasExited);
            Assert.Equal(HttpStatusCode.OK, await StatusAsync(probes, ops, "/healthz/live"));

            backend.Release();
            Assert.Equal("second", await stream.ReadAsync().DefaultTimeout());
            Assert.Null(await stream.ReadAsync().DefaultTimeout());
            Assert.Equal("0", GrpcHttp.Status(stream.Response));

            await lines.WaitForAsync("Drain completed").DefaultTimeout();
            await process.WaitForExitAsync().DefaultTimeout();
            Assert.True(process.ExitCode == 0, $"exit code {process.ExitCode}; stderr: {await stderr.DefaultTimeout()}");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    private static IPEndPoint Bound(string line) => IPEndPoint.Parse(BoundTo().Match(line).Groups["endpoint"].Value);

    private static async Task<HttpStatusCode> StatusAsync(HttpClient client, IPEndPoint ops, string path)
    {
        using var response = await client.GetAsync(new Uri($"http://{ops}{path}")).DefaultTimeout();
        return response.StatusCode;
    }

    [GeneratedRegex(@"bound to (?<endpoint>[0-9.]+:\d+)\.")]
    private static partial Regex BoundTo();
}
