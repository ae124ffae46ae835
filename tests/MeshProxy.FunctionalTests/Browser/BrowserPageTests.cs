using System.Text.Json.Nodes;
using MeshProxy.FunctionalTests.Infrastructure;
using MeshProxy.Hosting;
using MeshProxy.TestSupport;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Xunit.Abstractions;

namespace MeshProxy.FunctionalTests.Browser;

/// <summary>
/// A page served by the test on one origin calls the sidecar's REST listener on another from Chromium, with
/// @connectrpc/connect-web's gRPC-Web and Connect transports loaded as ES modules straight from tests/node/node_modules
/// (an import map, no bundler). So the browser itself does the CORS preflight, reads the exposed headers and parses
/// the trailer frame.
/// </summary>
public sealed class BrowserPageTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Page = """
        <!doctype html>
        <title>MeshProxy from the browser</title>
        <script type="importmap">
        {"imports": {
          "@bufbuild/protobuf": "/nm/@bufbuild/protobuf/dist/esm/index.js",
          "@bufbuild/protobuf/codegenv2": "/nm/@bufbuild/protobuf/dist/esm/codegenv2/index.js",
          "@bufbuild/protobuf/reflect": "/nm/@bufbuild/protobuf/dist/esm/reflect/index.js",
          "@bufbuild/protobuf/wire": "/nm/@bufbuild/protobuf/dist/esm/wire/index.js",
          "@bufbuild/protobuf/wkt": "/nm/@bufbuild/protobuf/dist/esm/wkt/index.js",
          "@connectrpc/connect": "/nm/@connectrpc/connect/dist/esm/index.js",
          "@connectrpc/connect/protocol": "/nm/@connectrpc/connect/dist/esm/protocol/index.js",
          "@connectrpc/connect/protocol-connect": "/nm/@connectrpc/connect/dist/esm/protocol-connect/index.js",
          "@connectrpc/connect/protocol-grpc-web": "/nm/@connectrpc/connect/dist/esm/protocol-grpc-web/index.js",
          "@connectrpc/connect-web": "/nm/@connectrpc/connect-web/dist/esm/index.js"
        }}
        </script>
        <h1>MeshProxy from the browser</h1>
        <pre id="out">running</pre>
        <script type="module">
          import { createClient } from '@connectrpc/connect';
          import { createGrpcWebTransport, createConnectTransport } from '@connectrpc/connect-web';
          import { createFileRegistry, fromBinary } from '@bufbuild/protobuf';
          import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
          const out = document.getElementById('out');
          try {
            const sidecar = new URL(location.href).searchParams.get('sidecar');
            const bytes = new Uint8Array(await (await fetch('/descriptor-set.pb')).arrayBuffer());
            const service = createFileRegistry(fromBinary(FileDescriptorSetSchema, bytes)).getService('users.v1.UserService');
            const results = {};
            for (const [name, transport] of [
                ['grpc-web', createGrpcWebTransport({ baseUrl: sidecar })],
                ['connect-json', createConnectTransport({ baseUrl: sidecar })],
                ['connect-proto', createConnectTransport({ baseUrl: sidecar, useBinaryFormat: true })]]) {
              const client = createClient(service, transport);
              const result = {};
              try {
                let version;
                const user = await client.getUser({ userId: 'u-1001' }, { onHeader: h => { version = h.get('x-backend-version'); } });
                result.unary = user.displayName;
                result.version = version;
                result.stream = [];
                for await (const u of client.listUsers({ pageSize: 3 })) { result.stream.push(u.userId); }
                try { await client.getUser({ userId: 'u-404' }); result.error = 'none'; } catch (e) { result.error = e.code; }
              } catch (e) {
                result.failed = String(e);
              }
              results[name] = result;
            }
            out.textContent = JSON.stringify(results);
          } catch (e) {
            out.textContent = JSON.stringify({ failed: String(e) });
          }
          out.dataset.done = 'yes';
        </script>
        """;

    private readonly PageStack _stack = new();
    private LoopbackServer? _pages;

    public async Task InitializeAsync()
    {
        var nodeModules = Path.Combine(await NodePeers.EnsureInstalledAsync().DefaultTimeout(), "node_modules");
        _pages = await LoopbackServer.StartAsync(context => ServeAsync(context, nodeModules), HttpProtocols.Http1).DefaultTimeout();
        _stack.Origin = _pages.Address.TrimEnd('/');
        await _stack.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await _stack.DisposeAsync();
        if (_pages is not null)
        {
            await _pages.DisposeAsync();
        }
    }

    [Fact]
    public async Task Chromium_PageOnAnotherOrigin_CallsOverGrpcWebAndConnect()
    {
        await using var browser = await Chromium.LaunchAsync();
        var page = await browser.NewPageAsync().DefaultTimeout();
        page.Console += (_, message) => output.WriteLine($"console: {message.Text}");
        var sidecar = _stack.RestAddress.ToString().TrimEnd('/');
        await page.GotoAsync($"{_pages!.Address.TrimEnd('/')}/?sidecar={Uri.EscapeDataString(sidecar)}").DefaultTimeout();
        await page.Locator("#out[data-done=yes]").WaitForAsync(new() { Timeout = 30_000 }).DefaultTimeout();
        var text = await page.Locator("#out").TextContentAsync().DefaultTimeout();
        output.WriteLine(text);
        output.WriteLine($"screenshot: {await ChromiumBrowser.ScreenshotAsync(page, "browser-grpc-web-connect").DefaultTimeout()}");

        var results = JsonNode.Parse(text!)!.AsObject();
        foreach (var name in new[] { "grpc-web", "connect-json", "connect-proto" })
        {
            var result = results[name]!;
            Assert.True(result["failed"] is null, $"{name}: {result}");
            Assert.Equal("Ada Lovelace", result["unary"]!.GetValue<string>());
            Assert.Equal("v1", result["version"]!.GetValue<string>());
            Assert.Equal(["u-1001", "u-1002", "u-1003"], result["stream"]!.AsArray().Select(n => n!.GetValue<string>()));
            Assert.Equal(5, result["error"]!.GetValue<int>());
        }
    }

    private static Task ServeAsync(HttpContext context, string nodeModules)
    {
        var path = context.Request.Path.Value ?? "/";
        if (path == "/")
        {
            context.Response.ContentType = "text/html; charset=utf-8";
            return context.Response.WriteAsync(Page);
        }

        var file = path == "/descriptor-set.pb"
            ? Path.Combine(AppContext.BaseDirectory, "descriptor-set.pb")
            : path.StartsWith("/nm/", StringComparison.Ordinal) && !path.Contains("..", StringComparison.Ordinal) ? Path.Combine(nodeModules, path[4..]) : null;
        if (file is null || !File.Exists(file))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }

        context.Response.ContentType = file.EndsWith(".js", StringComparison.Ordinal) ? "text/javascript" : "application/octet-stream";
        return context.Response.SendFileAsync(file);
    }

    /// <summary>The sample backend behind a sidecar whose CORS policy allows exactly the page's origin.</summary>
    private sealed class PageStack() : SampleStack("v1")
    {
        public string Origin { get; set; } = string.Empty;

        public Uri RestAddress => Proxy.Address(ListenerName.Rest);

        protected override string Config(IReadOnlyList<int> backendPorts) => $$"""
            version: "browser-page"
            {{LoopbackListeners}}
            routes:
              - name: samples
                match: { prefix: / }
                cluster: v1
            clusters:
              v1: { destinations: [ { address: "http://127.0.0.1:{{backendPorts[0]}}" } ] }
            transcoding:
              descriptorSets: [builtin]
            browser:
              cors:
                allowedOrigins: ["{{Origin}}"]
                exposedHeaders: [x-backend-version]
            """;
    }
}
