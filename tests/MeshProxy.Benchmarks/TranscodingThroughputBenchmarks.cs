using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using Google.Protobuf.WellKnownTypes;
using Grpc.Net.Client;
using MeshProxy.Hosting;
using MeshProxy.Samples.Users.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging.Abstractions;

namespace MeshProxy.Benchmarks;

/// <summary>
/// REST → gRPC → REST through the sidecar against native gRPC through the same sidecar, same method, same backend:
/// GET /v1/users/u-1001 (HTTP/1.1, JSON) versus users.v1.UserService/GetUser (h2c). The backend is a minimal h2c
/// server answering a fixed User, so the difference is the transcoder (and the client kind), not the backend.
/// Each operation is <see cref="Concurrency"/> workers × <see cref="CallsPerWorker"/> calls; the CPU column is the
/// whole process's CPU time per call (client, proxy and backend together, in-process).
/// </summary>
[MemoryDiagnoser]
[Config(typeof(CpuPerCallConfig))]
public class TranscodingThroughputBenchmarks
{
    private const int Concurrency = 8;
    private const int CallsPerWorker = 16;
    private const int Calls = Concurrency * CallsPerWorker;

    private WebApplication? _backend;
    private MeshProxyServer? _proxy;
    private HttpClient? _rest;
    private GrpcChannel? _grpc;
    private UserService.UserServiceClient? _users;

    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    [GlobalCleanup]
    public void Cleanup() => CleanupAsync().GetAwaiter().GetResult();

    [Benchmark(Baseline = true, OperationsPerInvoke = Calls)]
    public Task NativeGrpc_GetUser() => RunAsync(async () =>
    {
        using var call = _users!.GetUserAsync(new GetUserRequest { UserId = "u-1001" });
        await call.ResponseAsync.ConfigureAwait(false);
    });

    [Benchmark(OperationsPerInvoke = Calls)]
    public Task Rest_GetUser() => RunAsync(async () =>
    {
        using var response = await _rest!.GetAsync(new Uri("/v1/users/u-1001", UriKind.Relative)).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
    });

    private static async Task RunAsync(Func<Task> call)
    {
        var workers = new Task[Concurrency];
        for (var w = 0; w < Concurrency; w++)
        {
            workers[w] = Task.Run(async () =>
            {
                for (var i = 0; i < CallsPerWorker; i++)
                {
                    await call().ConfigureAwait(false);
                }
            });
        }

        await Task.WhenAll(workers).ConfigureAwait(false);
    }

    private async Task SetupAsync()
    {
        _backend = await FixedReplyBackend.StartAsync(new User
        {
            UserId = "u-1001",
            DisplayName = "Ada Lovelace",
            Email = "ada@example.com",
            Plan = Plan.Enterprise,
            CreateTime = Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 11, 22, 9, 0, 0, TimeSpan.Zero)),
            Labels = { ["team"] = "analytics" },
            StorageBytes = 52_428_800,
        }).ConfigureAwait(false);
        var port = FixedReplyBackend.Port(_backend);
        _proxy = await MeshProxyServer.StartAsync($$"""
            listeners:
              grpc:  { address: 127.0.0.1, port: 0 }
              rest:  { address: 127.0.0.1, port: 0 }
              ops:   { address: 127.0.0.1, port: 0 }
              admin: { address: 127.0.0.1, port: 0 }
            routes:
              - name: users
                match: { method: /users.v1.UserService/* }
                cluster: users
            clusters:
              users: { destinations: [ { address: "http://127.0.0.1:{{port}}" } ] }
            transcoding:
              descriptorSets: [builtin]
              services: [users.v1.UserService]
            """, NullLoggerProvider.Instance).ConfigureAwait(false);
        _rest = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Concurrency }) { BaseAddress = _proxy.Address(ListenerName.Rest) };
        _grpc = GrpcChannel.ForAddress(_proxy.Address(ListenerName.Grpc));
        _users = new UserService.UserServiceClient(_grpc);
        await NativeGrpc_GetUser().ConfigureAwait(false);
        await Rest_GetUser().ConfigureAwait(false);
    }

    private async Task CleanupAsync()
    {
        _rest?.Dispose();
        _grpc?.Dispose();
        if (_proxy is not null)
        {
            await _proxy.DisposeAsync().ConfigureAwait(false);
        }

        if (_backend is not null)
        {
            await _backend.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Adds a column with the process CPU time per call, measured around each benchmark's iterations.</summary>
    private sealed class CpuPerCallConfig : BenchmarkDotNet.Configs.ManualConfig
    {
        public CpuPerCallConfig() => AddColumn(new CpuPerCallColumn());
    }

    private sealed class CpuPerCallColumn : BenchmarkDotNet.Columns.IColumn
    {
        public string Id => nameof(CpuPerCallColumn);

        public string ColumnName => "CPU/call";

        public bool AlwaysShow => true;

        public BenchmarkDotNet.Columns.ColumnCategory Category => BenchmarkDotNet.Columns.ColumnCategory.Custom;

        public int PriorityInCategory => 0;

        public bool IsNumeric => true;

        public BenchmarkDotNet.Columns.UnitType UnitType => BenchmarkDotNet.Columns.UnitType.Time;

        public string Legend => "Process CPU time (all threads: client, proxy, backend) per call, from a separate timed run";

        public string GetValue(BenchmarkDotNet.Reports.Summary summary, BenchmarkDotNet.Running.BenchmarkCase benchmarkCase) =>
            CpuSampler.Measure(benchmarkCase.Descriptor.WorkloadMethod.Name);

        public string GetValue(BenchmarkDotNet.Reports.Summary summary, BenchmarkDotNet.Running.BenchmarkCase benchmarkCase, BenchmarkDotNet.Reports.SummaryStyle style) =>
            GetValue(summary, benchmarkCase);

        public bool IsAvailable(BenchmarkDotNet.Reports.Summary summary) => true;

        public bool IsDefault(BenchmarkDotNet.Reports.Summary summary, BenchmarkDotNet.Running.BenchmarkCase benchmarkCase) => false;
    }

    /// <summary>Runs 2,000 calls of one benchmark after a warm-up and divides the process CPU time by them.</summary>
    private static class CpuSampler
    {
        private static readonly Dictionary<string, string> Results = [];

        public static string Measure(string method)
        {
            lock (Results)
            {
                if (Results.TryGetValue(method, out var cached))
                {
                    return cached;
                }

                var bench = new TranscodingThroughputBenchmarks();
                bench.Setup();
                try
                {
                    Func<Task> run = method == nameof(Rest_GetUser) ? bench.Rest_GetUser : bench.NativeGrpc_GetUser;
                    for (var i = 0; i < 4; i++)
                    {
                        run().GetAwaiter().GetResult();
                    }

                    const int Rounds = 16;
                    var before = Process.GetCurrentProcess().TotalProcessorTime;
                    for (var i = 0; i < Rounds; i++)
                    {
                        run().GetAwaiter().GetResult();
                    }

                    var perCall = (Process.GetCurrentProcess().TotalProcessorTime - before).TotalMicroseconds / (Rounds * Calls);
                    return Results[method] = $"{perCall:F1} us";
                }
                finally
                {
                    bench.Cleanup();
                }
            }
        }
    }
}
