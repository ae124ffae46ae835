using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using MeshProxy.FunctionalTests.Infrastructure;
using MeshProxy.FunctionalTests.TrafficPolicy;
using MeshProxy.Hosting;
using MeshProxy.TestSupport;

namespace MeshProxy.FunctionalTests.Cli;

/// <summary>
/// One <see cref="ReflectionBackend"/> of each <see cref="ReflectionKind"/>, a sidecar whose catch-all route sends
/// everything to the v1 one, and a descriptor set that lacks the users service (so <c>call</c> must ask the server).
/// </summary>
public sealed class ReflectionFixture : IAsyncLifetime
{
    private readonly Dictionary<ReflectionKind, ReflectionBackend> _backends = [];
    private MeshProxyServer? _proxy;

    private readonly TempPath _emptyDescriptorSet = TempPath.File("empty-set", ".pb");

    public XunitLoggerProvider Logs { get; } = new(output: null);

    /// <summary>A FileDescriptorSet holding only google/protobuf/empty.proto.</summary>
    public string EmptyDescriptorSet => _emptyDescriptorSet.Path;

    public string SidecarAuthority => (_proxy ?? throw new InvalidOperationException("Not started.")).Address(ListenerName.Grpc).Authority;

    public ReflectionBackend this[ReflectionKind kind] => _backends[kind];

    public async Task InitializeAsync()
    {
        var set = new FileDescriptorSet { File = { FileDescriptorProto.Parser.ParseFrom(Empty.Descriptor.File.SerializedData) } };
        await File.WriteAllBytesAsync(EmptyDescriptorSet, set.ToByteArray());
        foreach (var kind in System.Enum.GetValues<ReflectionKind>())
        {
            _backends[kind] = await ReflectionBackend.StartAsync(kind, Logs);
        }

        _proxy = await MeshProxyServer.StartAsync($$"""
            {{SampleStack.LoopbackListeners}}
            routes:
              - name: everything
                match: { prefix: / }
                cluster: reflecting
            clusters:
              reflecting: { destinations: [ { address: "http://{{_backends[ReflectionKind.V1AndV1Alpha].Authority}}" } ] }
            """, Logs).DefaultTimeout();
    }

    public async Task DisposeAsync()
    {
        if (_proxy is not null)
        {
            await _proxy.DisposeAsync();
        }

        foreach (var backend in _backends.Values)
        {
            await backend.DisposeAsync();
        }

        _emptyDescriptorSet.Dispose();
    }
}
