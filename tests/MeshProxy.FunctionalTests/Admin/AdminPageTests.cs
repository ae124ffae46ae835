using System.Net;
using Grpc.Core;
using MeshProxy.FunctionalTests.TrafficPolicy;
using MeshProxy.Hosting;
using MeshProxy.TestSupport;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace MeshProxy.FunctionalTests.Admin;

/// <summary>GET / on the admin listener, as an operator uses it: Debian's chromium shows routes and clusters, and an ejection when it happens.</summary>
public sealed class AdminPageTests(ITestOutputHelper output)
{
    private const string GetUser = "users.v1.UserService/GetUser";

    // Bounds for conditions awaited in the page (it polls every 2 s): generous for a loaded 2-core machine.
    private static readonly float PageTimeoutMs = 25_000;

    private static string Config(IReadOnlyList<int> ports) => $$"""
        version: "admin-page"
        routes:
          - name: users
            match: { method: /users.v1.UserService/* }
            backends: [ { cluster: users-v1, weight: 90 }, { cluster: users-v2, weight: 10 } ]
          - name: users-pinned
            match:
              method: /users.v1.UserService/*
              headers: [ { name: x-pin, present: true } ]
            cluster: users-v1
            retry: { maxAttempts: 1 }
        clusters:
          users-v1:
            destinations:
              - { address: "http://127.0.0.1:{{ports[0]}}", name: v1a }
              - { address: "http://127.0.0.1:{{ports[1]}}", name: v1b }
            outlierDetection: { baseEjectionTime: 30s, panicThreshold: 0 }
          users-v2:
            destinations: [ { address: "http://127.0.0.1:{{ports[2]}}", name: v2a } ]
        """;

    [Fact]
    public async Task AdminPage_Http_StaticHtmlWithoutCdnOnlyOnAdminListener()
    {
        await using var stack = await OutlierStack.StartAsync(3, Config);
        using var http = new HttpClient();

        using var page = await http.GetAsync(new Uri(stack.Proxy.Address(ListenerName.Admin), "/")).DefaultTimeout();
        using var ops = await http.GetAsync(new Uri(stack.Proxy.Address(ListenerName.Ops), "/")).DefaultTimeout();
        using var post = await http.PostAsync(new Uri(stack.Proxy.Address(ListenerName.Admin), "/"), null).DefaultTimeout();

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("connect-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single());
        var html = await page.Content.ReadAsStringAsync().DefaultTimeout();
        Assert.DoesNotContain("http://", html);
        Assert.DoesNotContain("https://", html);
        Assert.Equal(HttpStatusCode.NotFound, ops.StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
    }

    [Fact]
    public async Task AdminPage_Chromium_ShowsRoutesWeightsAndAnEjectionAsItHappens()
    {
        var clock = new FakeTimeProvider();
        await using var stack = await OutlierStack.StartAsync(3, Config, clock, backends => backends[1].Faults.Add($"{GetUser}:status=UNAVAILABLE"));
        await using var browser = await Chromium.LaunchAsync();
        var page = await browser.NewPageAsync().DefaultTimeout();

        await page.GotoAsync(stack.Proxy.Address(ListenerName.Admin).ToString()).DefaultTimeout();

        await Visible(page, "#config-version", hasText: "admin-page");
        await Visible(page, "tr[data-route='users'] [data-cluster='users-v1'][data-weight='90']");
        await Visible(page, "tr[data-route='users'] [data-cluster='users-v2'][data-weight='10']");
        await Visible(page, "tr[data-route='users-pinned']", hasText: "x-pin present");
        await Visible(page, "[data-cluster='users-v1'] tr[data-destination='v1b'][data-ejected='false']");
        Assert.Equal(0, await page.Locator("button, form, input, select, textarea").CountAsync().DefaultTimeout());
        output.WriteLine($"screenshot: {await ChromiumBrowser.ScreenshotAsync(page, "admin-page-before")}");

        // v1b fails every GetUser: pinned calls (no retry) eject it after consecutive failures.
        await stack.CallManyAsync(10, new Metadata { { "x-pin", "1" } });

        var v1b = page.Locator("[data-cluster='users-v1'] tr[data-destination='v1b'][data-ejected='true']");
        await v1b.WaitForAsync(new() { Timeout = PageTimeoutMs }).DefaultTimeout();
        Assert.Contains("ejected", await v1b.Locator("td.ejection").InnerTextAsync().DefaultTimeout());
        Assert.Equal("1", (await v1b.Locator("td").Nth(4).InnerTextAsync().DefaultTimeout()).Trim());
        await Visible(page, "[data-cluster='users-v1'] tr[data-destination='v1a'][data-ejected='false']");
        await Visible(page, "#in-flight-total", hasText: "0");
        output.WriteLine($"screenshot: {await ChromiumBrowser.ScreenshotAsync(page, "admin-page")}");
    }

    private static Task Visible(IPage page, string selector, string? hasText = null) =>
        page.Locator(selector, new() { HasText = hasText }).First.WaitForAsync(new() { Timeout = PageTimeoutMs }).DefaultTimeout();
}
