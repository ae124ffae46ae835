using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using MeshProxy.Upstream;
using Microsoft.AspNetCore.Http;

namespace MeshProxy.Bench.Relay;

/// <summary>
/// The <c>lean</c> mode: ASP.NET Core's terminal step forwarding onto MeshProxy's own lean client
/// (<see cref="Http2ConnectionPool"/>), as a forwarding step without YARP would: the caller's headers taken once
/// (<see cref="CallerHeaders"/>), one <see cref="HttpRequestMessage"/> as the lean client's carrier, the response's
/// fields copied by MeshProxy's rules (<see cref="UpstreamResponseFields"/>), and its body written without a flush
/// while the next read is ready. No routing, policy, retries or telemetry: against <c>aspnet</c> it is what the lean
/// client costs a call; against MeshProxy, what the call's own layers and YARP do.
/// </summary>
internal sealed class LeanForwarding(IPEndPoint backend)
{
    private readonly Http2ConnectionPool _pool = new("127.0.0.1", backend.Port, multiple: false, Timeout.InfiniteTimeSpan);
    private readonly ConcurrentDictionary<string, Uri> _uris = new(StringComparer.Ordinal);

    public async Task ForwardAsync(HttpContext context)
    {
        var request = context.Request;
        var uri = _uris.GetOrAdd(request.Path.Value ?? "/", static (path, port) => new Uri($"http://127.0.0.1:{port}{path}"), backend.Port);
        using var message = new HttpRequestMessage(HttpMethod.Post, uri)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new CallerBody(request.Body),
        };
        using var response = await _pool.SendAsync(message, CallerHeaders.From(request), context.RequestAborted).ConfigureAwait(false);
        var caller = context.Response;
        caller.StatusCode = (int)response.StatusCode;
        UpstreamResponseFields.TryCopyHeaders(response, caller);
        var body = await response.Content.ReadAsStreamAsync(context.RequestAborted).ConfigureAwait(false);
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            while (true)
            {
                var reading = body.ReadAsync(buffer, context.RequestAborted);
                if (!reading.IsCompleted)
                {
                    await caller.BodyWriter.FlushAsync(context.RequestAborted).ConfigureAwait(false);
                }

                var read = await reading.ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                caller.BodyWriter.Write(buffer.AsSpan(0, read));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        UpstreamResponseFields.TryCopyTrailers(response, context);
        await caller.CompleteAsync().ConfigureAwait(false);
    }

    /// <summary>The caller's body, copied into the upstream stream as the lean client asks for it.</summary>
    private sealed class CallerBody(Stream source) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => source.CopyToAsync(stream);

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken) =>
            source.CopyToAsync(stream, cancellationToken);

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
