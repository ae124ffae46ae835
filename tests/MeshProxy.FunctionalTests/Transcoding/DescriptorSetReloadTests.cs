using System.Net;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using MeshProxy.Configuration.Reload;
using MeshProxy.Hosting;
using MeshProxy.SampleBackends;
using MeshProxy.TestSupport;
using MeshProxy.Transcoding.Rest;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace MeshProxy.FunctionalTests.Transcoding;

/// <summary>The descriptor set files are followed like the config file: a new set adds routes, a corrupt one is refused.</summary>
public sealed class DescriptorSetReloadTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly TempPath _directory = TempPath.Directory("descriptors");
    private SampleBackendHandle? _backend;
    private MeshProxyServer? _proxy;
    private RestClient? _rest;

    public async Task InitializeAsync()
    {
        _backend = await SampleBackend.StartAsync(new SampleBackendOptions { Port = 0, Address = "127.0.0.1", Version = "v1" }).DefaultTimeout();

        // Start with the builtin set minus the inventory service, named relative to the config file.
        await WriteAtomicallyAsync("rules.pb", BuiltinSet(without: "inventory/v1/inventory.proto"));
        var config = Path.Combine(_directory.Path, "meshproxy.yaml");
        await File.WriteAllTextAsync(config, $$"""
            listeners:
              grpc:  { address: 127.0.0.1, port: 0 }
              rest:  { address: 127.0.0.1, port: 0 }
              ops:   { address: 127.0.0.1, port: 0 }
              admin: { address: 127.0.0.1, port: 0 }
            routes:
              - name: all
                match: { prefix: / }
                cluster: v1
            clusters:
              v1: { destinations: [ { address: "http://127.0.0.1:{{_backend.Port}}" } ] }
            transcoding:
              descriptorSets: [rules.pb]
            """);
        var options = new ConfigReloadOptions { Debounce = TimeSpan.FromMilliseconds(50), PollInterval = TimeSpan.FromSeconds(1) };
        _proxy = await MeshProxyServer.StartFromFileAsync(config, options, new XunitLoggerProvider(output)).DefaultTimeout();
        _rest = new RestClient(_proxy.Address(ListenerName.Rest));
    }

    public async Task DisposeAsync()
    {
        _rest?.Dispose();
        if (_proxy is not null)
        {
            await _proxy.DisposeAsync();
        }

        if (_backend is not null)
        {
            await _backend.DisposeAsync();
        }

        _directory.Dispose();
    }

    [Fact]
    public async Task DescriptorSetFile_NewContentThenCorrupt_AddsRouteThenKeepsIt()
    {
        var provider = _proxy!.Services.GetRequiredService<TranscodingSnapshotProvider>();
        Assert.Equal(HttpStatusCode.OK, await StatusOfAsync("/v1/users/u-1001"));
        Assert.Equal(HttpStatusCode.NotFound, await StatusOfAsync("/v1/inventory/sku-apple"));

        // 1. The full set adds the inventory routes.
        var applied = provider.NextChange;
        await WriteAtomicallyAsync("rules.pb", BuiltinSet(without: null));
        var snapshot = await applied.DefaultTimeout();
        Assert.Contains(snapshot!.Table.Bindings, b => b.ServiceName == "inventory.v1.InventoryService");
        Assert.Equal(HttpStatusCode.OK, await StatusOfAsync("/v1/inventory/sku-apple"));

        // 2. A corrupt file is refused: the routes of the last good set stay live.
        var refused = provider.NextChange;
        await WriteAtomicallyAsync("rules.pb", [0x0a, 0xff, 0xff, 0x01, 0x02]);
        Assert.Same(snapshot, await refused.DefaultTimeout());
        Assert.Equal(HttpStatusCode.OK, await StatusOfAsync("/v1/inventory/sku-apple"));
        Assert.Equal(HttpStatusCode.OK, await StatusOfAsync("/v1/users/u-1001"));
    }

    private async Task<HttpStatusCode> StatusOfAsync(string path)
    {
        using var response = await _rest!.SendAsync(HttpMethod.Get, path).DefaultTimeout();
        return response.StatusCode;
    }

    private async Task WriteAtomicallyAsync(string name, byte[] content)
    {
        var temp = Path.Combine(_directory.Path, $".{name}.{Guid.NewGuid():N}.tmp");
        await File.WriteAllBytesAsync(temp, content);
        File.Move(temp, Path.Combine(_directory.Path, name), overwrite: true);
    }

    private static byte[] BuiltinSet(string? without)
    {
        var set = FileDescriptorSet.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, TranscodingPaths.BuiltinFileName)));
        var filtered = new FileDescriptorSet();
        filtered.File.AddRange(set.File.Where(f => f.Name != without));
        return filtered.ToByteArray();
    }
}
