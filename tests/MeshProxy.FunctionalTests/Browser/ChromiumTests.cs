using MeshProxy.TestSupport;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Xunit.Abstractions;

namespace MeshProxy.FunctionalTests.Browser;

/// <summary>The test helper itself: Debian's chromium, unpacked without root, runs a page's script under Playwright.</summary>
public sealed class ChromiumTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Chromium_LoopbackPageWithScript_RunsScriptAndFetchesFromServer()
    {
        await using var server = await LoopbackServer.StartAsync(
            context => context.Request.Path == "/value"
                ? context.Response.WriteAsync("from-server")
                : context.Response.WriteAsync("""
                    <!doctype html><title>t</title><p id="out">waiting</p>
                    <script>fetch('/value').then(r => r.text()).then(t => document.getElementById('out').textContent = 'got ' + t);</script>
                    """),
            HttpProtocols.Http1).DefaultTimeout();

        await using var browser = await Chromium.LaunchAsync();
        var page = await browser.NewPageAsync().DefaultTimeout();
        await page.GotoAsync(server.Address + "/").DefaultTimeout();
        await page.Locator("#out", new() { HasText = "got from-server" }).WaitForAsync(new() { Timeout = 20_000 }).DefaultTimeout();

        var screenshot = await ChromiumBrowser.ScreenshotAsync(page, "chromium-smoke").DefaultTimeout();
        output.WriteLine($"screenshot: {screenshot}");
        Assert.True(new FileInfo(screenshot).Length > 0);
    }
}
