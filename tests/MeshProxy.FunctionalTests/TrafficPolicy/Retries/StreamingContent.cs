using System.Net;

namespace MeshProxy.FunctionalTests.TrafficPolicy.Retries;

/// <summary>A client-streaming request body: each message written and flushed on its own, as a streaming caller sends it.</summary>
internal sealed class StreamingContent(IReadOnlyList<byte[]> messages) : HttpContent
{
    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
    {
        foreach (var message in messages)
        {
            await stream.WriteAsync(message);
            await stream.FlushAsync();
            await Task.Yield();
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = -1;
        return false;
    }
}
