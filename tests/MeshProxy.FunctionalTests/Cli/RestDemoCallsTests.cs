using MeshProxy.Cli;
using MeshProxy.Hosting;
using MeshProxy.TestSupport;

namespace MeshProxy.FunctionalTests.Cli;

/// <summary>Every curl line the demo prints works against the demo's config (embedded demo.yaml, transcoding included).</summary>
public sealed class RestDemoCallsTests(DemoStackFixture stack) : IClassFixture<DemoStackFixture>
{
    public static TheoryData<int> Indexes => [.. Enumerable.Range(0, DemoCalls.Rest.Count)];

    [Theory]
    [MemberData(nameof(Indexes))]
    public async Task RestDemoCall_WithCurl_PrintsTheExpectedData(int index)
    {
        var call = DemoCalls.Rest[index];

        var result = await ProcessRunner.RunAsync("curl", call.Arguments(stack.Proxy.Address(ListenerName.Rest).Authority), null, TimeSpan.FromSeconds(30)).DefaultTimeout();

        Assert.True(result.ExitCode == 0, $"{call.Description}\n{result.StandardError}");
        Assert.All(call.ExpectedOutput, expected => Assert.Contains(expected, result.StandardOutput, StringComparison.Ordinal));
    }

    [Fact]
    public async Task OpenApi_OnTheDemo_IsServed()
    {
        using var client = new HttpClient { BaseAddress = stack.Proxy.Address(ListenerName.Rest) };

        var document = await client.GetStringAsync("/openapi.json").DefaultTimeout();

        Assert.Contains("\"openapi\"", document, StringComparison.Ordinal);
    }
}
