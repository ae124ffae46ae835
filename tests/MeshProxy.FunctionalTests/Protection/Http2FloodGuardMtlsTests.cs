using MeshProxy.FunctionalTests.Security;
using MeshProxy.Hosting;
using MeshProxy.TestSupport;
using Xunit.Abstractions;

namespace MeshProxy.FunctionalTests.Protection;

/// <summary>
/// The HTTP/2 flood guard on the mTLS listener: it sits after TLS there, so a client of the trust domain that floods
/// over its TLS connection is cut as on the h2c listener (GOAWAY ENHANCE_YOUR_CALM, the connection closed, the
/// metric under <c>listener="mtls"</c>), and stays within its budget otherwise.
/// </summary>
public sealed class Http2FloodGuardMtlsTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("rst_stream", 500)]
    [InlineData("ping", 1_000)]
    public async Task MtlsFlood_PastTheBudget_GoAwayEnhanceYourCalmAndClosed(string kind, int budget)
    {
        var authority = TestCertificateAuthority.Create();
        using var files = new WorkloadFiles(authority, MtlsMesh.Id("server"));
        var logs = new XunitLoggerProvider(output);
        await using var proxy = await MtlsMesh.StartServerSideAsync(files, LoopbackPort.Unused(), logs).DefaultTimeout();
        await using var connection = await MtlsMesh.RawHttp2Async(proxy.EndPoint(ListenerName.Mtls), authority.Issue(MtlsMesh.Id("client")), authority.Certificate);

        await Http2FloodGuardTests.FloodPastTheBudgetAsync(connection, kind, budget);

        using var http = new HttpClient();
        var metrics = await http.GetStringAsync(new Uri(proxy.Address(ListenerName.Ops), "/metrics")).DefaultTimeout();
        Assert.Contains($"meshproxy_http2_flood_goaways_total{{listener=\"mtls\",frame=\"{kind}\"}} 1", metrics, StringComparison.Ordinal);
        Assert.Empty(logs.Errors);
    }
}
