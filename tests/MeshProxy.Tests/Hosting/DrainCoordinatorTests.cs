using MeshProxy.Admin;
using MeshProxy.Configuration;
using MeshProxy.Hosting;
using MeshProxy.Routing;
using MeshProxy.TestSupport;
using MeshProxy.Tests.Configuration;
using MeshProxy.Tests.Configuration.Reload;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace MeshProxy.Tests.Hosting;

/// <summary>The drain's sequence in virtual time, against a server that records how it was stopped.</summary>
public sealed class DrainCoordinatorTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);
    private readonly FakeTimeProvider _time = new();
    private readonly ProxySnapshotProvider _snapshots;
    private readonly ReadinessState _readiness = new();
    private readonly RecordingServer _server = new();
    private readonly DrainCoordinator _drain;

    public DrainCoordinatorTests()
    {
        _snapshots = new ProxySnapshotProvider(new Random(1), _time, TimeSpan.FromSeconds(10));
        _snapshots.Apply(Config("drain: { propagationDelay: 5s, deadline: 25s }"));
        _readiness.MarkReady();
        _drain = new DrainCoordinator(_readiness, _snapshots, _time, NullLogger<DrainCoordinator>.Instance);
        _drain.AttachTrafficServer(_server);
    }

    [Fact]
    public async Task Start_ReadinessFailsAtOnceAndListenersStopOnlyAfterThePropagationDelay()
    {
        var completion = _drain.Start(DrainTrigger.Signal);

        Assert.False(_readiness.IsReady);
        Assert.True(_drain.IsDraining);
        _time.Advance(TimeSpan.FromMilliseconds(4999));
        Assert.False(_server.StopRequested.IsCompleted);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        await _server.StopRequested.WaitAsync(Bound);
        Assert.False(completion.IsCompleted);

        // The in-flight calls finish before the deadline.
        _time.Advance(TimeSpan.FromSeconds(3));
        _server.FinishGracefully();
        var outcome = await completion.WaitAsync(Bound);

        Assert.Equal(new DrainOutcome(DrainTrigger.Signal, DeadlineReached: false, TimeSpan.FromSeconds(8)), outcome);
        Assert.Equal(1, _server.StopCalls);
        Assert.False(_server.Token.IsCancellationRequested);
    }

    [Fact]
    public async Task Start_CallsOutliveTheDeadline_StopTokenFiresAndOutcomeSaysSo()
    {
        var completion = _drain.Start(DrainTrigger.DrainEndpoint);
        _time.Advance(TimeSpan.FromSeconds(5));
        await _server.StopRequested.WaitAsync(Bound);

        _time.Advance(TimeSpan.FromMilliseconds(24999));
        Assert.False(_server.Token.IsCancellationRequested);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(_server.Token.IsCancellationRequested);
        var outcome = await completion.WaitAsync(Bound);

        Assert.True(outcome.DeadlineReached);
        Assert.Equal(TimeSpan.FromSeconds(30), outcome.Elapsed);
    }

    [Fact]
    public async Task Start_TimersFireEarly_CallsStillGetTheWholeDeadline()
    {
        // Linux's coarse tick clock lets a .NET timer fire up to 4 ms before the high-resolution clock says it is due.
        var early = new EarlyTimers(_time, TimeSpan.FromMilliseconds(4));
        using var drain = new DrainCoordinator(_readiness, _snapshots, early, NullLogger<DrainCoordinator>.Instance);
        drain.AttachTrafficServer(_server);
        var completion = drain.Start(DrainTrigger.DrainEndpoint);
        _time.Advance(TimeSpan.FromSeconds(5));
        await _server.StopRequested.WaitAsync(Bound);

        _time.Advance(TimeSpan.FromMilliseconds(24996));
        Assert.False(_server.Token.IsCancellationRequested);
        _time.Advance(TimeSpan.FromMilliseconds(4));
        Assert.True(_server.Token.IsCancellationRequested);
        var outcome = await completion.WaitAsync(Bound);

        Assert.True(outcome.DeadlineReached);
        Assert.Equal(TimeSpan.FromSeconds(30), outcome.Elapsed);
    }

    [Fact]
    public async Task Start_Twice_OneDrainWithTheFirstTrigger()
    {
        var first = _drain.Start(DrainTrigger.QuitEndpoint);
        var second = _drain.Start(DrainTrigger.Signal);
        _time.Advance(TimeSpan.FromSeconds(5));
        await _server.StopRequested.WaitAsync(Bound);
        _server.FinishGracefully();

        Assert.Same(first, second);
        Assert.Equal(DrainTrigger.QuitEndpoint, (await first.WaitAsync(Bound)).Trigger);
        Assert.Equal(1, _server.StopCalls);
    }

    [Fact]
    public async Task Start_ReadsTheLiveConfigWhenItStarts()
    {
        _snapshots.Apply(Config("drain: { propagationDelay: 1s, deadline: 2s }"));

        var completion = _drain.Start(DrainTrigger.Signal);
        _time.Advance(TimeSpan.FromSeconds(1));
        await _server.StopRequested.WaitAsync(Bound);
        _time.Advance(TimeSpan.FromSeconds(2));

        Assert.True(_server.Token.IsCancellationRequested);
        Assert.Equal(TimeSpan.FromSeconds(3), (await completion.WaitAsync(Bound)).Elapsed);
    }

    [Fact]
    public async Task Dispose_DuringThePropagationDelay_EndsTheDrainWithoutStopping()
    {
        var completion = _drain.Start(DrainTrigger.Signal);

        _drain.Dispose();
        var outcome = await completion.WaitAsync(Bound);

        Assert.False(outcome.DeadlineReached);
        Assert.Equal(0, _server.StopCalls);
    }

    public void Dispose()
    {
        _drain.Dispose();
        _snapshots.Dispose();
    }

    private static MeshProxyConfig Config(string drain) => ConfigAssert.LoadValid(drain + """

        routes:
          - name: r1
            match: { prefix: / }
            cluster: c1
        clusters:
          c1:
            destinations: [ { address: "http://127.0.0.1:50051" } ]
        """);

    /// <summary>Virtual time whose timers come due <c>earlier</c> than asked, as the coarse tick clock's can.</summary>
    private sealed class EarlyTimers(FakeTimeProvider time, TimeSpan earlier) : TimeProvider
    {
        public override long TimestampFrequency => time.TimestampFrequency;

        public override long GetTimestamp() => time.GetTimestamp();

        public override DateTimeOffset GetUtcNow() => time.GetUtcNow();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
            time.CreateTimer(callback, state, dueTime > earlier ? dueTime - earlier : dueTime, period);
    }

    /// <summary>Kestrel's stop contract: it returns when connections are done, or after aborting them once the token fires.</summary>
    private sealed class RecordingServer : IServer
    {
        private readonly TaskCompletionSource _graceful = new();
        private readonly TaskCompletionSource _stopRequested = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _stopCalls;

        public int StopCalls => Volatile.Read(ref _stopCalls);

        public Task StopRequested => _stopRequested.Task;

        public CancellationToken Token { get; private set; }

        public IFeatureCollection Features { get; } = new FeatureCollection();

        public void FinishGracefully() => _graceful.TrySetResult();

        public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken)
            where TContext : notnull => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken)
        {
            Token = cancellationToken;
            cancellationToken.Register(() => _graceful.TrySetResult());
            Interlocked.Increment(ref _stopCalls);
            _stopRequested.TrySetResult();
            return _graceful.Task;
        }

        public void Dispose()
        {
        }
    }
}
