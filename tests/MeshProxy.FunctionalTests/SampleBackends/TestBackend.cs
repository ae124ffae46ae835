using MeshProxy.Grpc.Client;
using MeshProxy.SampleBackends;
using MeshProxy.TestSupport;
using Xunit.Abstractions;

namespace MeshProxy.FunctionalTests.SampleBackends;

/// <summary>A sample backend started in-process on 127.0.0.1 port 0 with a channel to it; an error log fails the test.</summary>
internal sealed class TestBackend : IAsyncDisposable
{
    private readonly XunitLoggerProvider _logs;

    private TestBackend(SampleBackendHandle handle, XunitLoggerProvider logs)
    {
        Handle = handle;
        _logs = logs;
        Channel = GrpcChannel.ForAddress(handle.Address);
    }

    public SampleBackendHandle Handle { get; }

    public GrpcChannel Channel { get; }

    public static async Task<TestBackend> StartAsync(ITestOutputHelper output, SampleBackendOptions? options = null)
    {
        var logs = new XunitLoggerProvider(output);
        options = (options ?? new SampleBackendOptions()) with { Port = 0, Address = "127.0.0.1" };
        var handle = await SampleBackend.StartAsync(options, logs).DefaultTimeout();
        return new TestBackend(handle, logs);
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await Handle.DisposeAsync().AsTask().DefaultTimeout();
        Assert.Empty(_logs.Errors);
    }
}
