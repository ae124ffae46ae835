using System.Net;

namespace MeshProxy.FunctionalTests.TrafficPolicy.Retries;

/// <summary>
/// A client-streaming request body: each message written and flushed on its own, as a streaming caller sends it; with
/// <paramref name="sent"/>, the next message waits for the task it returns for the index just sent; with
/// <paramref name="end"/>, the stream stays open after the messages until that task completes.
/// </summary>
internal sealed class StreamingContent(IReadOnlyList<byte[]> messages, Task? end = null, Func<int, Task>? sent = null) : HttpContent
{
    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
    {
        for (var i = 0; i < messages.Count; i++)
        {
            await stream.WriteAsync(messages[i]);
            await stream.FlushAsync();
            await Task.Yield();
            if (sent is not null)
            {
                await sent(i);
            }
        }

        if (end is not null)
        {
            await end;
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = -1;
        return false;
    }
}
