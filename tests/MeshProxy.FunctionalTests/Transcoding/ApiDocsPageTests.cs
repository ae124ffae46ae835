using System.Net;
using MeshProxy.FunctionalTests.Cli;
using MeshProxy.Hosting;
using MeshProxy.TestSupport;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace MeshProxy.FunctionalTests.Transcoding;

/// <summary>
/// GET /docs on the REST listener, as a person uses it: Debian's chromium renders Scalar over the live OpenAPI document
/// and sends a try-it request. On the demo's stack, whose REST rules are the three sample services'.
/// </summary>
public sealed class ApiDocsPageTests(DemoStackFixture stack, ITestOutputHelper output) : IClassFixture<DemoStackFixture>
{
    // Bounds for conditions awaited in the page: generous for a loaded 2-core machine, each one a wait on what the page shows.
    private static readonly float PageTimeoutMs = 25_000;

    [Fact]
    public async Task ApiDocs_Http_ServesScalarShellAndItsBundleFromTheSidecar()
    {
        using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = true });
        var rest = stack.Proxy.Address(ListenerName.Rest);

        var page = await http.GetStringAsync(new Uri(rest, "/docs/")).DefaultTimeout();
        using var bundle = await http.GetAsync(new Uri(rest, "/docs/scalar.js")).DefaultTimeout();

        Assert.Contains("scalar.js", page);
        Assert.Contains($"\"url\":\"{rest.GetLeftPart(UriPartial.Authority)}\"", page);
        Assert.DoesNotContain("cdn.", page, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.OK, bundle.StatusCode);
        Assert.True((await bundle.Content.ReadAsByteArrayAsync().DefaultTimeout()).Length > 100_000);
    }

    [Fact]
    public async Task ApiDocs_Chromium_ListsRestRoutesAndTryItGetsTheAnswer()
    {
        var rest = stack.Proxy.Address(ListenerName.Rest);
        await using var browser = await Chromium.LaunchAsync();
        var page = await browser.NewPageAsync().DefaultTimeout();
        var offHost = new List<string>();
        page.Request += (_, request) =>
        {
            if (!request.Url.StartsWith(rest.GetLeftPart(UriPartial.Authority), StringComparison.Ordinal) && !request.Url.StartsWith("data:", StringComparison.Ordinal))
            {
                offHost.Add(request.Url);
            }
        };

        await page.GotoAsync(new Uri(rest, "/docs").ToString()).DefaultTimeout();

        // Every service's routes are there, with parameters and schemas from the descriptor set.
        var tryIt = page.GetByRole(AriaRole.Button, new() { Name = "Test Request (get /v1/users/{user_id})" });
        await tryIt.WaitForAsync(new() { Timeout = PageTimeoutMs }).DefaultTimeout();
        foreach (var group in new[] { "users.v1.UserService", "inventory.v1.InventoryService", "payments.v1.PaymentService" })
        {
            await page.GetByText(group).First.WaitForAsync(new() { Timeout = PageTimeoutMs }).DefaultTimeout();
        }

        output.WriteLine($"screenshot: {await ChromiumBrowser.ScreenshotAsync(page, "api-docs")}");

        // Try it: GET /v1/users/{user_id} with u-1001, sent by the page to the sidecar's REST listener.
        await tryIt.ClickAsync(new() { Timeout = PageTimeoutMs }).DefaultTimeout();
        var client = page.GetByRole(AriaRole.Dialog);
        var userId = client.Locator("tr", new() { HasText = "user_id" }).Locator("[contenteditable=true]").Nth(1);
        await userId.ClickAsync(new() { Timeout = PageTimeoutMs }).DefaultTimeout();
        await page.Keyboard.TypeAsync("u-1001").DefaultTimeout();
        var sent = page.WaitForResponseAsync(r => r.Url.EndsWith("/v1/users/u-1001", StringComparison.Ordinal), new() { Timeout = PageTimeoutMs });
        await client.Locator("button", new() { HasText = "Send get request" }).First.ClickAsync(new() { Timeout = PageTimeoutMs }).DefaultTimeout();

        var response = await sent.DefaultTimeout();
        Assert.Equal(200, response.Status);
        await client.GetByText("Ada Lovelace").First.WaitForAsync(new() { Timeout = PageTimeoutMs }).DefaultTimeout();
        await client.GetByText("200 OK").First.WaitForAsync(new() { Timeout = PageTimeoutMs }).DefaultTimeout();
        output.WriteLine($"screenshot: {await ChromiumBrowser.ScreenshotAsync(page, "api-docs-try-it")}");

        // Nothing came from anywhere but the sidecar: no CDN, fonts or telemetry.
        Assert.Empty(offHost);
    }
}
