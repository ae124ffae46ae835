using BenchmarkDotNet.Attributes;
using MeshProxy.Configuration;
using MeshProxy.TrafficPolicy;
using Microsoft.AspNetCore.Http;

namespace MeshProxy.Benchmarks;

/// <summary>
/// Per-call cost of the canary and load-balancing picks. Every one must report 0 B allocated: they run on every
/// forwarded call. Results are returned as object (a reference, no boxing) since the picked types are internal.
/// </summary>
[MemoryDiagnoser]
public class TrafficPolicyPickBenchmarks : IDisposable
{
    private readonly HeaderDictionary _withUser = new() { ["x-user-id"] = "3f2b9c1e-7a44-4d0b-9e1f-user-000042" };
    private readonly HeaderDictionary _withoutUser = new();
    private readonly DestinationState[] _destinations =
        [.. Enumerable.Range(0, 8).Select(i => new DestinationState($"d{i}", $"http://10.0.0.{i}:80"))];

    private ClusterState _v1 = null!;
    private ClusterState _v2 = null!;
    private BackendPicker _sticky = null!;
    private RoundRobinPicker _roundRobin = null!;
    private LeastRequestsPicker _leastRequests = null!;
    private PowerOfTwoChoicesPicker _powerOfTwo = null!;

    [GlobalSetup]
    public void Setup()
    {
        _v1 = Cluster("users-v1");
        _v2 = Cluster("users-v2");
        _sticky = new BackendPicker([(_v1, 90), (_v2, 10)], new Random(1), "x-user-id");
        _roundRobin = new RoundRobinPicker();
        _leastRequests = new LeastRequestsPicker();
        _powerOfTwo = new PowerOfTwoChoicesPicker(new Random(1));
        for (var i = 0; i < _destinations.Length; i++)
        {
            for (var n = 0; n < (i * 7) % 5 + 1; n++)
            {
                _destinations[i].RequestStarted();
            }
        }
    }

    [Benchmark(Baseline = true)]
    public object? WeightedRandom() => _sticky.Pick(_withoutUser);

    [Benchmark]
    public object? StickyByHeader() => _sticky.Pick(_withUser);

    [Benchmark]
    public object? RoundRobin() => _roundRobin.Pick(_destinations);

    [Benchmark]
    public object? LeastRequests() => _leastRequests.Pick(_destinations);

    [Benchmark]
    public object? PowerOfTwoChoices() => _powerOfTwo.Pick(_destinations);

    [GlobalCleanup]
    public void Dispose()
    {
        _v1?.Dispose();
        _v2?.Dispose();
        GC.SuppressFinalize(this);
    }

    private static ClusterState Cluster(string name)
    {
        var config = new ClusterConfig(name, new([new DestinationConfig(name, "http://127.0.0.1:1")]), LoadBalancingKind.RoundRobin, TimeSpan.FromSeconds(1), Http2Config.Default);
        return new ClusterState(config, ClusterClientFactory.Create(config));
    }
}
