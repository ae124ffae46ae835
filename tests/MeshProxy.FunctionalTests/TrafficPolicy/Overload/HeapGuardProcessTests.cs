using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using MeshProxy.FunctionalTests.Drain;
using MeshProxy.FunctionalTests.Infrastructure;
using MeshProxy.FunctionalTests.TrafficPolicy.Retries;
using MeshProxy.Grpc;
using MeshProxy.TestSupport;
using Xunit.Abstractions;

namespace MeshProxy.FunctionalTests.TrafficPolicy.Overload;

/// <summary>
/// The heap guard in the real executable under a real GC heap limit (<c>DOTNET_GCHeapHardLimit</c>, as a pod's memory
/// limit sets one): the guard reads the process's own heap, nothing is substituted.
/// </summary>
public sealed partial class HeapGuardProcessTests(ITestOutputHelper output)
{
    private static readonly string Dll = Path.Combine(AppContext.BaseDirectory, "meshproxy.dll");

    // 128 MiB, in the runtime's bare hex.
    private const string HeapLimit = "8000000";

    [Fact]
    public async Task HeapAboveMaxHeapPercent_GrpcUnavailableRestServiceUnavailable_OverloadedAndNeverForwarded()
    {
        await using var backend = await Ok();

        // 1 % of 128 MiB is 1.3 MiB: a started sidecar's heap (descriptors, Kestrel, YARP) is always above it.
        await using var proxy = await ChildProxy.StartAsync(output, backend, maxHeapPercent: 1);

        var grpc = await proxy.CallAsync();
        Assert.Equal("14", GrpcHttp.Status(grpc));
        Assert.Equal("true", grpc.Headers.GetValues("x-meshproxy-overloaded").Single());
        Assert.Contains("short of memory", grpc.Headers.GetValues("grpc-message").Single(), StringComparison.Ordinal);

        using var rest = await proxy.Http.GetAsync(new Uri($"http://{proxy.Rest}/v1/users/u-1")).DefaultTimeout();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, rest.StatusCode);
        Assert.Equal("true", rest.Headers.GetValues("x-meshproxy-overloaded").Single());
        using var body = JsonDocument.Parse(await rest.Content.ReadAsStringAsync().DefaultTimeout());
        Assert.Equal(14, body.RootElement.GetProperty("code").GetInt32());

        Assert.Empty(backend.Calls);
        var line = await proxy.Lines.WaitForAsync("above protection.maxHeapPercent").DefaultTimeout();
        Assert.Contains("of its 128 MiB limit", line, StringComparison.Ordinal);
        var metrics = await proxy.Http.GetStringAsync(new Uri($"http://{proxy.Ops}/metrics")).DefaultTimeout();
        Assert.Matches(HeapRefused(), metrics);

        // Only new calls are refused: the sidecar itself stays live.
        using var live = await proxy.Http.GetAsync(new Uri($"http://{proxy.Ops}/healthz/live")).DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
    }

    [Fact]
    public async Task HeapWellUnderTheDefault_CallsForwarded()
    {
        await using var backend = await Ok();
        await using var proxy = await ChildProxy.StartAsync(output, backend, maxHeapPercent: null);

        for (var i = 0; i < 20; i++)
        {
            using var response = await proxy.CallAsync();
            Assert.Equal("0", GrpcHttp.Status(response));
        }

        Assert.Equal(20, backend.Calls.Count);
    }

    private static Task<ScriptedBackend> Ok() =>
        ScriptedBackend.StartAsync("users", (context, _) => ScriptedBackend.MessageThenStatusAsync(context, [], StatusCode.OK)).DefaultTimeout();

    [GeneratedRegex("""meshproxy_heap_refused_total\{route="users"\} 2\b""")]
    private static partial Regex HeapRefused();

    [GeneratedRegex(@"bound to (?<endpoint>[0-9.]+:\d+)\.")]
    private static partial Regex BoundTo();

    private sealed class ChildProxy : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly TempPath _config;

        private ChildProxy(Process process, TempPath config, ProcessLines lines)
        {
            _process = process;
            _config = config;
            Lines = lines;
        }

        public ProcessLines Lines { get; }

        public HttpClient Http { get; } = new(new SocketsHttpHandler { UseProxy = false });

        public HttpClient Grpc { get; } = GrpcHttp.CreateClient();

        public string GrpcAddress { get; private set; } = "";

        public string Rest { get; private set; } = "";

        public string Ops { get; private set; } = "";

        public static async Task<ChildProxy> StartAsync(ITestOutputHelper output, ScriptedBackend backend, int? maxHeapPercent)
        {
            var config = TempPath.File("heap", ".yaml");
            await File.WriteAllTextAsync(config.Path, RetryStack.Listeners + $$"""

                {{(maxHeapPercent is { } percent ? $"protection: {{ maxHeapPercent: {percent} }}" : "")}}
                transcoding: { descriptorSets: [builtin] }
                routes:
                  - name: users
                    match: { method: /users.v1.UserService/* }
                    cluster: users
                clusters:
                  users:
                    destinations:
                      - address: http://127.0.0.1:{{backend.Port}}
                """);
            var start = new ProcessStartInfo("dotnet")
            {
                ArgumentList = { Dll, "run", "--config", config.Path },
                RedirectStandardOutput = true,
                UseShellExecute = false,
                Environment = { ["DOTNET_GCHeapHardLimit"] = HeapLimit },
            };
            var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start meshproxy.");
            var proxy = new ChildProxy(process, config, new ProcessLines(process, output));
            proxy.GrpcAddress = Bound(await proxy.Lines.WaitForAsync("Listener grpc bound to").DefaultTimeout());
            proxy.Rest = Bound(await proxy.Lines.WaitForAsync("Listener rest bound to").DefaultTimeout());
            proxy.Ops = Bound(await proxy.Lines.WaitForAsync("Listener ops bound to").DefaultTimeout());
            await proxy.Lines.WaitForAsync("MeshProxy ready").DefaultTimeout();
            return proxy;
        }

        /// <summary>One unary GetUser; the response is read to its end.</summary>
        public async Task<HttpResponseMessage> CallAsync()
        {
            using var request = GrpcHttp.UnaryRequest(new Uri($"http://{GrpcAddress}"), "/users.v1.UserService/GetUser");
            var response = await Grpc.SendAsync(request).DefaultTimeout();
            await response.Content.ReadAsByteArrayAsync().DefaultTimeout();
            return response;
        }

        public async ValueTask DisposeAsync()
        {
            Http.Dispose();
            Grpc.Dispose();
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().DefaultTimeout();
            }

            _process.Dispose();
            _config.Dispose();
        }

        private static string Bound(string line) => BoundTo().Match(line).Groups["endpoint"].Value;
    }
}
