using Microsoft.Playwright;

namespace MeshProxy.TestSupport;

/// <summary>
/// Debian's <c>chromium</c>, installed by the tests without root (<see cref="DebianPackages"/>), driven headless through
/// Microsoft.Playwright with <c>ExecutablePath</c> set, so Playwright never downloads a browser of its own (the machines here
/// have no internet). Usage: <c>await using var browser = await Chromium.LaunchAsync(); var page = await browser.NewPageAsync();</c>
/// </summary>
public static class Chromium
{
    /// <summary>Where the Debian package puts the browser binary (/usr/bin/chromium is a wrapper script around it).</summary>
    private static readonly string BinaryInPackage = Path.Combine("usr", "lib", "chromium", "chromium");

    /// <summary>How long the first install on a machine may take (apt-get download, dpkg -x), waiting for another process's included.</summary>
    public static readonly TimeSpan InstallTimeout = TimeSpan.FromMinutes(8);

    /// <summary>The unpacked chromium and the library path it runs with; installed on first use.</summary>
    public static Task<DebianInstall> InstallAsync() => DebianPackages.InstallAsync("chromium", BinaryInPackage);

    /// <summary>The chromium binary, installed on first use; run it with <see cref="DebianInstall.Environment"/>.</summary>
    public static async Task<string> ExecutablePathAsync() => (await InstallAsync().ConfigureAwait(false)).Combine(BinaryInPackage);

    /// <summary>Starts a headless chromium; dispose the result to close it and its Playwright driver.</summary>
    /// <remarks>The first call on a machine downloads and unpacks the package (about 120 MB), so it is bounded by
    /// <see cref="InstallTimeout"/> here rather than by a test's per-step timeout.</remarks>
    public static async Task<ChromiumBrowser> LaunchAsync()
    {
        var install = await InstallAsync().WaitAsync(InstallTimeout).ConfigureAwait(false);
        var environment = new Dictionary<string, string>(install.Environment)
        {
            // No session bus in a container: say so rather than let chromium try to parse an address and log errors.
            ["DBUS_SESSION_BUS_ADDRESS"] = "disabled:",
        };
        var playwright = await Playwright.CreateAsync().ConfigureAwait(false);
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = install.Combine(BinaryInPackage),
                Headless = true,
                Env = environment,
                Timeout = 60_000,
                // Tests run as root in containers: chromium's sandbox needs user namespaces they may not have, /dev/shm is small,
                // and there is no GPU.
                Args = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
            }).ConfigureAwait(false);
            return new ChromiumBrowser(playwright, browser);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }
}

/// <summary>A launched headless chromium and the Playwright driver that controls it.</summary>
public sealed class ChromiumBrowser : IAsyncDisposable
{
    private readonly IPlaywright _playwright;

    internal ChromiumBrowser(IPlaywright playwright, IBrowser browser)
    {
        _playwright = playwright;
        Browser = browser;
    }

    /// <summary>The Playwright browser.</summary>
    public IBrowser Browser { get; }

    /// <summary>A page in a fresh context, with a viewport large enough for full-page screenshots to read well.</summary>
    public Task<IPage> NewPageAsync() => Browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });

    /// <summary>Where <see cref="ScreenshotAsync"/> writes: <c>screenshots/</c> in the test assembly's output folder.</summary>
    public static string ScreenshotDirectory => Path.Combine(AppContext.BaseDirectory, "screenshots");

    /// <summary>Writes a full-page PNG of <paramref name="page"/> to <see cref="ScreenshotDirectory"/>/<paramref name="name"/>.png and returns its path.</summary>
    public static async Task<string> ScreenshotAsync(IPage page, string name)
    {
        Directory.CreateDirectory(ScreenshotDirectory);
        var path = Path.Combine(ScreenshotDirectory, name + ".png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true }).ConfigureAwait(false);
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Browser.CloseAsync().ConfigureAwait(false);
        }
        finally
        {
            _playwright.Dispose();
        }
    }
}
