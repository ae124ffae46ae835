using System.Diagnostics;
using MeshProxy.FunctionalTests.Infrastructure;
using MeshProxy.Hosting;
using MeshProxy.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MeshProxy.FunctionalTests.Observability;

/// <summary>
/// x-request-id and W3C trace context through a real sidecar to a backend that records the headers it receives, and
/// the OTLP export to an in-test receiver. One class, so the test that turns span recording on (process-wide, as
/// ActivitySource listeners are) never runs beside the one that checks pass-through without it.
/// </summary>
public sealed class TracingTests
{
    private const string CallerSpanId = "00f067aa0ba902b7";

    // A trace of its own per test: an exporter listens to the process-wide ActivitySource, so it also records the
    // spans of other in-process sidecars that tests in other classes call with a traceparent.
    private readonly string _traceId = ActivityTraceId.CreateRandom().ToHexString();

    private string TraceParent => $"00-{_traceId}-{CallerSpanId}-01";

    // A sidecar of the test's own, with the given observability sections, started and stopped around the test.
    private static async Task WithStackAsync(string observabilityYaml, Func<TracingStack, Task> test)
    {
        var stack = new TracingStack(observabilityYaml);
        await stack.InitializeAsync();
        try
        {
            await test(stack);
        }
        finally
        {
            await stack.DisposeAsync();
        }
    }
    private static readonly string GetUser = "/users.v1.UserService/GetUser";

    // ASP.NET Core Hosting starts an Activity and a log scope for every request while its diagnostics category is on at
    // any level; the sidecar's spans are its own, so a running sidecar keeps that category off (and Kestrel's on).
    [Fact]
    public async Task HostingDiagnostics_Off_NoPerRequestActivityButServerErrorsStillLogged()
    {
        await WithStackAsync(string.Empty, async stack =>
        {
            var loggers = stack.Proxy.Services.GetRequiredService<ILoggerFactory>();

            Assert.False(loggers.CreateLogger(MeshProxyServer.HostingDiagnosticsCategory).IsEnabled(LogLevel.Critical));
            Assert.True(loggers.CreateLogger("Microsoft.AspNetCore.Server.Kestrel").IsEnabled(LogLevel.Warning));

            using var client = GrpcHttp.CreateClient();
            var request = GrpcHttp.UnaryRequest(stack.GrpcAddress, GetUser);
            request.Headers.Add("traceparent", TraceParent);
            using var response = await client.SendAsync(request).DefaultTimeout();
            await response.Content.ReadAsByteArrayAsync().DefaultTimeout();
            Assert.Equal(TraceParent, stack.Backend.LastCall(GetUser)?.Header("traceparent"));
        });
    }

    [Fact]
    public async Task RequestId_Absent_GeneratedForwardedAndEchoed()
    {
        await WithStackAsync(string.Empty, async stack =>
        {
            using var client = GrpcHttp.CreateClient();
            using var response = await client.SendAsync(GrpcHttp.UnaryRequest(stack.GrpcAddress, GetUser)).DefaultTimeout();
            await response.Content.ReadAsByteArrayAsync().DefaultTimeout();

            var echoed = Assert.Single(response.Headers.GetValues("x-request-id"));
            Assert.True(Guid.TryParse(echoed, out _), echoed);
            Assert.Equal(echoed, stack.Backend.LastCall(GetUser)?.Header("x-request-id"));
        });
    }

    [Fact]
    public async Task RequestId_TheProxysOwnErrorReply_CarriesItToo()
    {
        await WithStackAsync(string.Empty, async stack =>
        {
            // No route matches: the sidecar answers itself with a Trailers-Only UNIMPLEMENTED, which replaces whatever
            // the response held, and the caller still gets its id back, once.
            using var client = GrpcHttp.CreateClient();
            using var response = await client.SendAsync(GrpcHttp.UnaryRequest(
                stack.GrpcAddress, "/unrouted.v1.Nowhere/Call", ("x-request-id", "req-err-7"))).DefaultTimeout();
            await response.Content.ReadAsByteArrayAsync().DefaultTimeout();

            Assert.Equal("12", GrpcHttp.Status(response));
            Assert.Equal("req-err-7", Assert.Single(response.Headers.GetValues("x-request-id")));
        });
    }

    [Fact]
    public async Task RequestIdAndTraceContext_Present_KeptAndPassedThroughWithoutTracing()
    {
        await WithStackAsync(string.Empty, async stack =>
        {
            using var client = GrpcHttp.CreateClient();
            using var response = await client.SendAsync(GrpcHttp.UnaryRequest(
                stack.GrpcAddress, GetUser, ("x-request-id", "req-42"), ("traceparent", TraceParent), ("tracestate", "vendor=abc"))).DefaultTimeout();
            await response.Content.ReadAsByteArrayAsync().DefaultTimeout();

            // The backend echoes nothing itself, and the sidecar sets (never appends) the header: exactly one value.
            Assert.Equal("req-42", Assert.Single(response.Headers.GetValues("x-request-id")));
            var seen = stack.Backend.LastCall(GetUser);
            Assert.Equal("req-42", seen?.Header("x-request-id"));
            Assert.Equal(TraceParent, seen?.Header("traceparent"));
            Assert.Equal("vendor=abc", seen?.Header("tracestate"));
        });
    }

    [Theory]
    [InlineData("http/protobuf")]
    [InlineData("grpc")]
    public async Task Otlp_TracingConfigured_BackendIsChildOfExportedAttemptSpan(string protocol)
    {
        await using var receiver = await OtlpReceiver.StartAsync(grpc: protocol == "grpc").DefaultTimeout();
        var stack = OtlpStack(receiver, protocol);
        await stack.InitializeAsync();
        string? upstream;
        try
        {
            using var client = GrpcHttp.CreateClient();
            using var response = await client.SendAsync(GrpcHttp.UnaryRequest(
                stack.GrpcAddress, GetUser, ("traceparent", TraceParent), ("tracestate", "vendor=abc"))).DefaultTimeout();
            await response.Content.ReadAsByteArrayAsync().DefaultTimeout();

            var seen = stack.Backend.LastCall(GetUser);
            upstream = seen?.Header("traceparent");
            Assert.Equal("vendor=abc", seen?.Header("tracestate"));
        }
        finally
        {
            // Stopping flushes the batched spans to the receiver.
            await stack.DisposeAsync();
        }

        // The backend got the same trace, sampled, with the sidecar's attempt span as its parent.
        var parts = AssertChildOfTheCallersTrace(upstream, sampled: true);

        var spans = await receiver.WaitForTraceAsync(_traceId, s => s.Count >= 2).DefaultTimeout();
        var server = Assert.Single(spans, s => s.Kind == 2);
        var attempt = Assert.Single(spans, s => s.Kind == 3);
        Assert.Equal(CallerSpanId, server.ParentSpanId);
        Assert.Equal("users.v1.UserService/GetUser", server.Name);
        Assert.Equal(server.SpanId, attempt.ParentSpanId);
        Assert.Equal(parts[2], attempt.SpanId);
    }

    // A call that arrives without a traceparent starts a trace of its own at the sidecar (the root sampler decides).
    // Hosting's per-request Activity used to be the current one, unsampled, so the parent-based sampler dropped every
    // such call and none was exported.
    [Fact]
    public async Task Otlp_NoCallerTraceparent_NewTraceExportedAndBackendIsItsChild()
    {
        await using var receiver = await OtlpReceiver.StartAsync().DefaultTimeout();
        var stack = OtlpStack(receiver, "http/protobuf");
        await stack.InitializeAsync();
        string? upstream;
        try
        {
            using var client = GrpcHttp.CreateClient();
            using var response = await client.SendAsync(GrpcHttp.UnaryRequest(stack.GrpcAddress, GetUser)).DefaultTimeout();
            await response.Content.ReadAsByteArrayAsync().DefaultTimeout();
            upstream = stack.Backend.LastCall(GetUser)?.Header("traceparent");
        }
        finally
        {
            await stack.DisposeAsync();
        }

        Assert.NotNull(upstream);
        var parts = upstream.Split('-');
        Assert.Equal("01", parts[3]);
        var spans = await receiver.WaitForTraceAsync(parts[1], s => s.Count >= 2).DefaultTimeout();
        var server = Assert.Single(spans, s => s.Kind == 2);
        var attempt = Assert.Single(spans, s => s.Kind == 3);
        Assert.Equal(string.Empty, server.ParentSpanId);
        Assert.Equal(server.SpanId, attempt.ParentSpanId);
        Assert.Equal(parts[2], attempt.SpanId);
    }

    // A caller that did not sample its trace: the parent-based sampler drops the call, which keeps one unrecorded
    // Activity to pass the trace on (its tries get none of their own), and the backend gets a child of it, unsampled,
    // so that it does not start a sampled trace of its own.
    [Fact]
    public async Task Otlp_CallerNotSampled_OneUnrecordedActivityNothingExportedAndBackendGetsAnUnsampledChild()
    {
        await using var receiver = await OtlpReceiver.StartAsync().DefaultTimeout();
        var stack = OtlpStack(receiver, "http/protobuf");
        var sampledTraceId = ActivityTraceId.CreateRandom().ToHexString();
        var started = new System.Collections.Concurrent.ConcurrentQueue<Activity>();
        using var listener = ListenToStarts(started);
        await stack.InitializeAsync();
        string? upstream;
        try
        {
            using var client = GrpcHttp.CreateClient();
            using (var response = await client.SendAsync(GrpcHttp.UnaryRequest(
                stack.GrpcAddress, GetUser, ("traceparent", $"00-{_traceId}-{CallerSpanId}-00"))).DefaultTimeout())
            {
                await response.Content.ReadAsByteArrayAsync().DefaultTimeout();
            }

            upstream = stack.Backend.LastCall(GetUser)?.Header("traceparent");

            // A sampled call after it, whose export shows the exporter ran.
            using var sampled = await client.SendAsync(GrpcHttp.UnaryRequest(
                stack.GrpcAddress, GetUser, ("traceparent", $"00-{sampledTraceId}-{CallerSpanId}-01"))).DefaultTimeout();
            await sampled.Content.ReadAsByteArrayAsync().DefaultTimeout();
        }
        finally
        {
            await stack.DisposeAsync();
        }

        var parts = AssertChildOfTheCallersTrace(upstream, sampled: false);

        var ours = started.Where(a => a.TraceId.ToHexString() == _traceId).ToList();
        var call = Assert.Single(ours);
        Assert.Equal(ActivityKind.Server, call.Kind);
        Assert.False(call.IsAllDataRequested);
        Assert.Equal(parts[2], call.SpanId.ToHexString());
        Assert.Equal(2, started.Count(a => a.TraceId.ToHexString() == sampledTraceId));

        await receiver.WaitForTraceAsync(sampledTraceId, s => s.Count >= 2).DefaultTimeout();
        Assert.Empty(await receiver.WaitForTraceAsync(_traceId, _ => true).DefaultTimeout());
    }

    // A new trace the sampler does not record (sampleRate 0) gets no Activity at all, only what one would have handed
    // the backend: a traceparent of a fresh trace, unsampled (a stray tracestate dropped). The access log names that
    // trace, and a sampled caller's call right after it is still recorded and exported.
    [Fact]
    public async Task Otlp_NewTraceNotSampled_NoActivityAndBackendGetsAnUnsampledTraceparent()
    {
        await using var receiver = await OtlpReceiver.StartAsync().DefaultTimeout();
        using var log = TempPath.File("access", ".log");
        var stack = new TracingStack($$"""
            tracing:
              otlpEndpoint: {{receiver.Address}}
              protocol: http/protobuf
              sampleRate: 0
            accessLog: { enabled: true, sampleRate: 1, path: {{log.Path}} }
            """);
        var started = new System.Collections.Concurrent.ConcurrentQueue<Activity>();
        using var listener = ListenToStarts(started);
        await stack.InitializeAsync();
        string? upstream;
        global::MeshProxy.SampleBackends.Calls.ObservedCall? seen;
        try
        {
            using var client = GrpcHttp.CreateClient();
            using (var response = await client.SendAsync(GrpcHttp.UnaryRequest(stack.GrpcAddress, GetUser, ("tracestate", "vendor=abc"))).DefaultTimeout())
            {
                await response.Content.ReadAsByteArrayAsync().DefaultTimeout();
            }

            seen = stack.Backend.LastCall(GetUser);
            upstream = seen?.Header("traceparent");

            using var sampled = await client.SendAsync(GrpcHttp.UnaryRequest(stack.GrpcAddress, GetUser, ("traceparent", TraceParent))).DefaultTimeout();
            await sampled.Content.ReadAsByteArrayAsync().DefaultTimeout();
        }
        finally
        {
            await stack.DisposeAsync();
        }

        Assert.NotNull(upstream);
        Assert.Matches("^00-[0-9a-f]{32}-[0-9a-f]{16}-00$", upstream);
        Assert.Null(seen?.Header("tracestate"));
        var traceId = upstream.Split('-')[1];
        var logged = System.Text.Json.JsonDocument.Parse((await File.ReadAllLinesAsync(log.Path))[0]).RootElement;
        Assert.Equal(traceId, logged.GetProperty("trace_id").GetString());
        Assert.DoesNotContain(started, a => a.TraceId.ToHexString() == traceId);
        await receiver.WaitForTraceAsync(_traceId, s => s.Count >= 2).DefaultTimeout();
        Assert.Empty(await receiver.WaitForTraceAsync(traceId, _ => true).DefaultTimeout());
    }

    // The traceparent the backend got: the caller's trace, with the sampled flag given, and a parent span of the
    // sidecar's (not the caller's). Its parts: version, trace id, parent span id, flags.
    private string[] AssertChildOfTheCallersTrace(string? upstream, bool sampled)
    {
        Assert.NotNull(upstream);
        var parts = upstream.Split('-');
        Assert.Equal(["00", _traceId], parts[..2]);
        Assert.Equal(sampled ? "01" : "00", parts[3]);
        Assert.NotEqual(CallerSpanId, parts[2]);
        return parts;
    }

    // Hears every Activity the sidecars' source starts, without sampling anything itself.
    private static ActivityListener ListenToStarts(System.Collections.Concurrent.ConcurrentQueue<Activity> started)
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == MeshProxy.Observability.Tracing.MeshProxyActivitySource.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.None,
            ActivityStarted = started.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }

    // A sidecar that samples every new trace and exports it to receiver.
    private static TracingStack OtlpStack(OtlpReceiver receiver, string protocol) => new($$"""
        tracing:
          otlpEndpoint: {{receiver.Address}}
          protocol: {{protocol}}
          sampleRate: 1
        """);
}
