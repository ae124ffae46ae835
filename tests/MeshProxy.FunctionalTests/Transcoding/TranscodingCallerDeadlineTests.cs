using System.Collections.Concurrent;
using System.Net;
using MeshProxy.FunctionalTests.TrafficPolicy.Retries;
using MeshProxy.FunctionalTests.Observability;
using MeshProxy.Grpc;
using MeshProxy.Hosting;
using MeshProxy.TestSupport;
using Microsoft.AspNetCore.Http;
using Xunit.Abstractions;
using static MeshProxy.FunctionalTests.TrafficPolicy.Retries.ScriptedBackend;

namespace MeshProxy.FunctionalTests.Transcoding;

/// <summary>
/// The caller-deadline evidence of HungBackendDefaultsTests, for REST callers: a REST client that gives up at its own
/// deadline (<c>grpc-timeout</c>) and closes its connection, with no answer from the destination while a peer answered
/// a later try, counts against that destination, so a hung backend behind REST callers is ejected; a destination that
/// is as slow as its peers is not.
/// </summary>
public sealed class TranscodingCallerDeadlineTests(ITestOutputHelper output)
{
    private const int Callers = 12;

    private const string Config = """
        routes:
          - name: users
            match: { method: /users.v1.UserService/* }
            cluster: users
        clusters:
          users:
            destinations: [ { address: "{a}", name: a }, { address: "{b}", name: b }, { address: "{c}", name: c } ]
        transcoding:
          descriptorSets: [builtin]
        """;

    [Fact]
    public async Task HungDestination_RestCallersCancelAtTheirDeadline_EjectedAndPeersServeTheRest()
    {
        await using var a = await StartAsync("a", (c, _) => MessageThenStatusAsync(c, [], StatusCode.OK)).DefaultTimeout();
        await using var b = await StartAsync("b", HangAsync).DefaultTimeout();
        await using var c = await StartAsync("c", (c, _) => MessageThenStatusAsync(c, [], StatusCode.OK)).DefaultTimeout();
        await using var stack = await RetryStack.StartAsync(output, Config, [a, b, c]);
        using var rest = new RestClient(stack.Proxy.Address(ListenerName.Rest));
        var hung = stack.Destination("users", "b");

        // REST callers call back to back until b is ejected; each call b takes ends at its caller's deadline, while
        // a and c answer the calls that came after it. The sidecar must see each cancel before its own deadline, a
        // quarter of the caller's later: 4 s gives it 1 s, which a full suite on two cores once used up at 2 s.
        var outcomes = new ConcurrentQueue<string>();
        await Task.WhenAll(Enumerable.Range(0, Callers).Select(_ => Task.Run(async () =>
        {
            while (!hung.Ejected)
            {
                outcomes.Enqueue(await CreateUserAsync(rest, TimeSpan.FromSeconds(4)));
            }
        }))).DefaultTimeout();

        var cancelled = outcomes.Count(o => o == "cancelled");
        output.WriteLine($"{outcomes.Count} calls, {b.Calls.Count} reached b, {cancelled} cancelled");
        Assert.Equal(1, hung.TimesEjected);
        Assert.Equal(0, hung.ConsecutiveServerErrors);
        Assert.True(cancelled >= 5, $"{cancelled} cancelled");
        Assert.All(outcomes.Where(o => o != "cancelled"), o => Assert.Equal("200", o));

        // Ejected: every later REST call is answered by its peers.
        var reached = b.Calls.Count;
        for (var i = 0; i < 6; i++)
        {
            Assert.Equal("200", await CreateUserAsync(rest, TimeSpan.FromSeconds(10)));
        }

        Assert.Equal(reached, b.Calls.Count);
        await stack.WaitForIdleAsync("users");

        // Every call b took ended at its REST caller's deadline, before the sidecar's own (a quarter later, which would
        // count as DEADLINE_EXCEEDED and be evidence anyway): the ejection came from the callers' cancels.
        var total = outcomes.Count + 6;
        using var http = new HttpClient();
        var samples = await MetricsSample.ScrapeUntilAsync(http, stack.Proxy.Address(ListenerName.Ops), s => Requests(s) >= total).DefaultTimeout();
        Assert.Equal(total, Requests(samples));
        Assert.Equal(0, Requests(samples, "DEADLINE_EXCEEDED"));
        Assert.Equal(cancelled, Requests(samples, "CANCELLED"));
    }

    [Fact]
    public async Task EveryDestinationSlowerThanTheDeadline_RestCallersCancel_NothingRecordedAgainstAny()
    {
        // Healthy but slow, all three alike (an overloaded service, or a deadline too short for it): no peer answers a
        // later try, so a cancel at the deadline proves nothing about any one destination.
        await using var a = await StartAsync("a", SlowAsync).DefaultTimeout();
        await using var b = await StartAsync("b", SlowAsync).DefaultTimeout();
        await using var c = await StartAsync("c", SlowAsync).DefaultTimeout();
        await using var stack = await RetryStack.StartAsync(output, Config, [a, b, c]);
        using var rest = new RestClient(stack.Proxy.Address(ListenerName.Rest));

        // Four rounds of six concurrent callers, each cancelling at its deadline: round robin gives every destination
        // about eight calls (five in a row would eject it if they counted).
        for (var round = 0; round < 4; round++)
        {
            var outcomes = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => CreateUserAsync(rest, TimeSpan.FromSeconds(2)))).DefaultTimeout();
            Assert.All(outcomes, o => Assert.Equal("cancelled", o));
            await stack.WaitForIdleAsync("users");
        }

        Assert.All(new[] { a, b, c }, backend => Assert.True(backend.Calls.Count >= 5, $"{backend.Name}: {backend.Calls.Count} calls"));
        foreach (var name in new[] { "a", "b", "c" })
        {
            var destination = stack.Destination("users", name);
            Assert.False(destination.Ejected, name);
            Assert.Equal(0, destination.ConsecutiveLocalOriginFailures);
        }
    }

    private static double Requests(IReadOnlyList<MetricsSample> samples, string? grpcStatus = null) => grpcStatus is null
        ? MetricsSample.Sum(samples, "meshproxy_requests_total", ("route", "users"))
        : MetricsSample.Sum(samples, "meshproxy_requests_total", ("route", "users"), ("grpc_status", grpcStatus));

    private static Task HangAsync(HttpContext context, RecordedCall call) =>
        Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);

    private static async Task SlowAsync(HttpContext context, RecordedCall call)
    {
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(5), context.RequestAborted);
            await MessageThenStatusAsync(context, [], StatusCode.OK);
        }
        catch (OperationCanceledException)
        {
            // The sidecar cancelled the try when its caller left.
        }
    }

    /// <summary>
    /// One POST /v1/users whose caller cancels at <paramref name="deadline"/> (closing its connection). Its grpc-timeout
    /// promises a quarter more, so the caller's timer, not the sidecar's, ends a hung try, as with real clients whose
    /// timers start first. Returns the HTTP status, or <c>cancelled</c>.
    /// </summary>
    private static async Task<string> CreateUserAsync(RestClient rest, TimeSpan deadline)
    {
        using var cts = new CancellationTokenSource(deadline);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/users") { Content = RestClient.Json("{\"email\": \"x@example.com\"}") };
        request.Headers.TryAddWithoutValidation(GrpcProtocol.TimeoutHeader, $"{(int)(deadline.TotalMilliseconds * 1.25)}m");
        try
        {
            using var response = await rest.Http.SendAsync(request, cts.Token).DefaultTimeout();
            return ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            return "cancelled";
        }
    }
}
