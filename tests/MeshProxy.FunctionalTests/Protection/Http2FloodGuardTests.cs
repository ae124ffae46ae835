using System.Diagnostics;
using Grpc.Core;
using Grpc.Net.Client;
using MeshProxy.FunctionalTests.Infrastructure;
using MeshProxy.Hosting;
using MeshProxy.SampleBackends;
using MeshProxy.Samples.Users.V1;
using MeshProxy.TestSupport;
using Xunit.Abstractions;
using Frames = MeshProxy.TestSupport.RawHttp2Connection;

namespace MeshProxy.FunctionalTests.Protection;

/// <summary>
/// The HTTP/2 frame-flood guard of the gRPC listener, end to end: a hand-made client (<see cref="RawHttp2Connection"/>)
/// floods one frame kind and must get GOAWAY(ENHANCE_YOUR_CALM) and a closed connection within the budget (the
/// defaults of ProtectionOptions); real clients (grpc-dotnet, grpc-js) at full tilt are never cut.
/// </summary>
public sealed partial class Http2FloodGuardTests(ITestOutputHelper output)
{
    private const string Method = "/users.v1.UserService/GetUser";
    private const int Rounds = 3;

    /// <summary>Each flood kind and its default budget: the most frames of it a connection may send uncut.</summary>
    public static TheoryData<string, int> Floods => new()
    {
        { "ping", 1_000 },
        { "settings", 100 },
        { "priority", 100 },
        { "window_update", 5 },
        { "rst_stream", 500 },
        { "empty", 1 },
        { "continuation", 8 },
    };

    [Theory]
    [MemberData(nameof(Floods))]
    public async Task Flood_OneFrameKindPastItsBudget_GoAwayEnhanceYourCalmAndClosed(string kind, int budget)
    {
        var logs = new XunitLoggerProvider(output);
        await using var proxy = await ProtectionStack.StartAsync(logs, LoopbackPort.Unused());
        await using var connection = await Frames.ConnectAsync(proxy.EndPoint(ListenerName.Grpc)).DefaultTimeout();

        await FloodPastTheBudgetAsync(connection, kind, budget);

        Assert.Contains($"meshproxy_http2_flood_goaways_total{{listener=\"grpc\",frame=\"{kind}\"}} 1", await MetricsAsync(proxy), StringComparison.Ordinal);
        Assert.Empty(logs.Errors);
    }

    [Fact]
    public async Task BusyGrpcDotnetClient_ManyConcurrentStreams_IsNeverCut()
    {
        await using var backend = await SampleBackend.StartAsync(new SampleBackendOptions { Port = 0, Address = "127.0.0.1" }, new XunitLoggerProvider(output)).DefaultTimeout();
        var logs = new XunitLoggerProvider(output);
        await using var proxy = await ProtectionStack.StartAsync(logs, backend.Port);
        using var channel = GrpcChannel.ForAddress(proxy.Address(ListenerName.Grpc));
        var users = new UserService.UserServiceClient(channel);

        // Unary calls, some cancelled by their caller, server streams and bidirectional streams, all at once on one
        // connection, several rounds.
        for (var round = 0; round < 5; round++)
        {
            var calls = new List<Task>();
            for (var i = 0; i < 200; i++)
            {
                calls.Add(UnaryAsync(users, cancel: i % 10 == 0));
            }

            for (var i = 0; i < 20; i++)
            {
                calls.Add(ServerStreamAsync(users));
                calls.Add(BidiAsync(users));
            }

            await Task.WhenAll(calls).DefaultTimeout();
        }

        Assert.DoesNotContain("meshproxy_http2_flood_goaways_total", await MetricsAsync(proxy), StringComparison.Ordinal);
        Assert.Empty(logs.Errors);
    }

    [Fact]
    public async Task BusyGrpcJsClient_ManyConcurrentCallsOnOneChannel_IsNeverCut()
    {
        await using var backend = await SampleBackend.StartAsync(new SampleBackendOptions { Port = 0, Address = "127.0.0.1" }, new XunitLoggerProvider(output)).DefaultTimeout();
        var logs = new XunitLoggerProvider(output);
        await using var proxy = await ProtectionStack.StartAsync(logs, backend.Port);

        var unary = await GrpcJsClient.CallManyAsync(proxy.Address(ListenerName.Grpc), Method, calls: 500, request: new { user_id = "u-1" }).DefaultTimeout();
        var streams = await GrpcJsClient.CallManyAsync(proxy.Address(ListenerName.Grpc), "/users.v1.UserService/SyncUsers", calls: 50, send: 20, request: new { delete_user_id = "nobody" }).DefaultTimeout();

        Assert.All(unary.Concat(streams), call => Assert.NotEqual((int)StatusCode.Unavailable, call.Code));
        Assert.All(unary.Concat(streams), call => Assert.NotEqual((int)StatusCode.Internal, call.Code));
        Assert.DoesNotContain("meshproxy_http2_flood_goaways_total", await MetricsAsync(proxy), StringComparison.Ordinal);
        Assert.Empty(logs.Errors);
    }

    [Fact]
    public async Task SustainedFloods_EveryKindFromManyConnections_PeakMemoryWithinBudget()
    {
        // The budget is the sidecar's own memory, so the sidecar runs as its own process (`meshproxy run`) and its peak
        // RSS (VmHWM) is read from /proc: the test process's peak would also hold whatever tests run beside this one.
        // Declared before the sidecar, so it is deleted only after the finally below has killed the sidecar.
        using var config = TempPath.File("flood", ".yaml");
        await File.WriteAllTextAsync(config.Path, $$"""
            listeners:
              grpc: { address: 127.0.0.1, port: 0 }
              rest: { address: 127.0.0.1, port: 0 }
              ops: { address: 127.0.0.1, port: 0 }
              admin: { address: 127.0.0.1, port: 0 }
            routes:
              - name: users
                match: { prefix: / }
                cluster: users
            clusters:
              users: { destinations: [ { address: "http://127.0.0.1:{{LoopbackPort.Unused()}}" } ] }
            """);
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "meshproxy.dll"), "run", "--config", config.Path },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var sidecar = Process.Start(start) ?? throw new InvalidOperationException("Could not start meshproxy.");
        var stderr = sidecar.StandardError.ReadToEndAsync();
        var lines = new Drain.ProcessLines(sidecar, output);
        try
        {
            var endPoint = System.Net.IPEndPoint.Parse(BoundTo().Match(await lines.WaitForAsync("Listener grpc bound to").DefaultTimeout()).Groups["endpoint"].Value);
            var ops = System.Net.IPEndPoint.Parse(BoundTo().Match(await lines.WaitForAsync("Listener ops bound to").DefaultTimeout()).Groups["endpoint"].Value);
            await lines.WaitForAsync("MeshProxy ready").DefaultTimeout();
            var peakBefore = PeakRssMiB(sidecar);
            var cut = 0;

            // 8 attackers, each reconnecting as soon as it gets its GOAWAY, 3 connections per frame kind.
            await Task.WhenAll(Enumerable.Range(0, 8).Select(attacker => Task.Run(async () =>
            {
                foreach (var (kind, budget) in Floods.Select(row => ((string)row[0], (int)row[1])))
                {
                    for (var round = 0; round < Rounds; round++)
                    {
                        await using var connection = await Frames.ConnectAsync(endPoint).DefaultTimeout();
                        var flood = Flood(kind, budget * 2);
                        while (await connection.WriteAsync(flood).DefaultTimeout() && !connection.GoAwayCode.IsCompleted)
                        {
                            flood = Flood(kind, budget * 2, firstStream: 4 * budget + 1);
                        }

                        if (await connection.GoAwayCode.DefaultTimeout() == Frames.EnhanceYourCalm)
                        {
                            Interlocked.Increment(ref cut);
                        }
                    }
                }
            }))).DefaultTimeout();

            var peak = PeakRssMiB(sidecar);
            output.WriteLine($"{cut} flood connections cut; sidecar peak RSS {peakBefore} MiB before the floods, {peak} MiB after");
            Assert.Equal(8 * Rounds * Floods.Count(), cut);
            Assert.True(peak < 256, $"sidecar peak RSS {peak} MiB (before the floods: {peakBefore} MiB)");

            // The sidecar is still up and serving its probes.
            using var probes = new HttpClient();
            using var live = await probes.GetAsync(new Uri($"http://{ops}/healthz/live")).DefaultTimeout();
            Assert.Equal(System.Net.HttpStatusCode.OK, live.StatusCode);
            Assert.False(sidecar.HasExited, await ExitedWithAsync(sidecar, stderr));
        }
        finally
        {
            if (!sidecar.HasExited)
            {
                sidecar.Kill(entireProcessTree: true);
            }
        }
    }

    private static async Task<string> ExitedWithAsync(Process sidecar, Task<string> stderr) =>
        sidecar.HasExited ? $"the sidecar exited ({sidecar.ExitCode}): {await stderr.DefaultTimeout()}" : string.Empty;

    private static long PeakRssMiB(Process process)
    {
        var line = File.ReadLines($"/proc/{process.Id}/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) / 1024;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"bound to (?<endpoint>[0-9.]+:\d+)\.")]
    private static partial System.Text.RegularExpressions.Regex BoundTo();

    /// <summary>
    /// Floods <paramref name="connection"/> with one frame kind: exactly the budget first, which must not be cut (the
    /// connection's first SETTINGS, and the PING that shows the server read it all, count too), then past it as an
    /// attacker goes on, which must end in GOAWAY(ENHANCE_YOUR_CALM) and a closed connection.
    /// </summary>
    internal static async Task FloodPastTheBudgetAsync(Frames connection, string kind, int budget)
    {
        var within = kind switch { "settings" or "ping" => budget - 1, _ => budget };
        Assert.True(await connection.WriteAsync(Flood(kind, within, endHeaderBlock: true)).DefaultTimeout());
        Assert.True(await connection.PingAsync().DefaultTimeout(), $"cut within the {kind} budget");

        var stream = 2 * budget + 1;
        while (await connection.WriteAsync(Flood(kind, budget + 1, stream)).DefaultTimeout() && !connection.Closed.IsCompleted)
        {
            stream += 2 * budget + 2;
        }

        Assert.Equal(Frames.EnhanceYourCalm, await connection.GoAwayCode.DefaultTimeout());
        await connection.Closed.DefaultTimeout();
    }

    /// <summary>
    /// <paramref name="count"/> frames of one flood kind. Streams are opened from <paramref name="firstStream"/> where
    /// the kind needs them (rapid reset: HEADERS then RST_STREAM; empty and CONTINUATION frames follow a HEADERS that
    /// does not end its header block).
    /// </summary>
    internal static byte[] Flood(string kind, int count, int firstStream = 1, bool endHeaderBlock = false)
    {
        var frames = new MemoryStream();
        var headers = Frames.GrpcRequestHeaders(Method);
        switch (kind)
        {
            case "ping":
                for (var i = 0; i < count; i++)
                {
                    frames.Write(Frames.Frame(Frames.Ping, 0, 0, new byte[8]));
                }

                break;
            case "settings":
                for (var i = 0; i < count; i++)
                {
                    frames.Write(Frames.Frame(Frames.Settings, 0, 0, []));
                }

                break;
            case "priority":
                for (var i = 0; i < count; i++)
                {
                    // Exclusive 0, depends on stream 0, weight 16, on an idle stream (allowed, RFC 9113 §5.1).
                    frames.Write(Frames.Frame(Frames.Priority, 0, 1001, [0, 0, 0, 0, 15]));
                }

                break;
            case "window_update":
                for (var i = 0; i < count; i++)
                {
                    frames.Write(Frames.WindowIncrement(0, 1));
                }

                break;
            case "rst_stream":
                for (int i = 0, stream = firstStream; i < count; i++, stream += 2)
                {
                    frames.Write(Frames.Frame(Frames.Headers, Frames.EndHeaders, stream, headers));
                    frames.Write(Frames.Reset(stream));
                }

                break;
            case "empty":
                frames.Write(Frames.Frame(Frames.Headers, 0, firstStream, headers.AsSpan(0, 1)));
                for (var i = 0; i < count; i++)
                {
                    frames.Write(Frames.Frame(Frames.Continuation, 0, firstStream, []));
                }

                if (endHeaderBlock)
                {
                    frames.Write(Frames.Frame(Frames.Continuation, Frames.EndHeaders, firstStream, headers.AsSpan(1)));
                }

                break;
            case "continuation":
                // The header block split one byte a CONTINUATION frame: never empty, only too many.
                frames.Write(Frames.Frame(Frames.Headers, 0, firstStream, headers.AsSpan(0, 1)));
                for (var i = 1; i < count; i++)
                {
                    frames.Write(Frames.Frame(Frames.Continuation, 0, firstStream, headers.AsSpan(i, 1)));
                }

                // The last one carries the rest of the block (and ends it, within the budget).
                frames.Write(Frames.Frame(Frames.Continuation, endHeaderBlock ? Frames.EndHeaders : (byte)0, firstStream, headers.AsSpan(count)));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown flood");
        }

        return frames.ToArray();
    }

    private static async Task UnaryAsync(UserService.UserServiceClient users, bool cancel)
    {
        using var cts = new CancellationTokenSource();
        if (cancel)
        {
            cts.CancelAfter(TimeSpan.FromMilliseconds(1));
        }

        try
        {
            await users.GetUserAsync(new GetUserRequest { UserId = "u-1" }, cancellationToken: cts.Token);
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.NotFound || (cancel && ex.StatusCode is StatusCode.Cancelled or StatusCode.DeadlineExceeded))
        {
            // The backend's answer, or the caller's own cancellation; a cut connection would be UNAVAILABLE.
        }
    }

    private static async Task ServerStreamAsync(UserService.UserServiceClient users)
    {
        using var call = users.ListUsers(new ListUsersRequest());
        while (await call.ResponseStream.MoveNext(CancellationToken.None))
        {
        }
    }

    private static async Task BidiAsync(UserService.UserServiceClient users)
    {
        using var call = users.SyncUsers();
        for (var i = 0; i < 20; i++)
        {
            await call.RequestStream.WriteAsync(new SyncUsersRequest { DeleteUserId = "nobody" });
        }

        await call.RequestStream.CompleteAsync();
        while (await call.ResponseStream.MoveNext(CancellationToken.None))
        {
        }
    }

    private static async Task<string> MetricsAsync(MeshProxyServer proxy)
    {
        using var http = new HttpClient();
        return await http.GetStringAsync(new Uri(proxy.Address(ListenerName.Ops), "/metrics")).DefaultTimeout();
    }
}
