using System.Runtime.CompilerServices;
using MeshProxy.IO;
using Microsoft.AspNetCore.Http;

namespace MeshProxy.Routing;

/// <summary>
/// The caller's request body as YARP's request copy reads it, noting whether a read was cut by cancellation while it
/// waited for the caller: the stream idle timeout then fired while the caller owed the next bytes (or END_STREAM).
/// </summary>
/// <remarks>
/// Why: YARP 2.3.0 has one activity timer for both directions. When it fires before response headers with the request
/// body still open, the upstream send (cancelled: OperationCanceledException) and the request copy (its read from the
/// caller cancelled: an input error) fail together, and <c>HttpForwarder.HandleRequestFailureAsync</c> reports whichever
/// it sees first: <c>RequestBodyClient</c> when the copy has already finished, else <c>RequestTimedOut</c>, which counts
/// against the destination. Which continuation runs first is the thread pool's choice. This marker says which side was
/// waiting, whatever the order (<see cref="GrpcProxyEndpoint"/> reads it once forwarding has ended; YARP has awaited the
/// copy by then). A copy that was writing upstream when the timer fired is not marked: that wait was the destination's.
/// </remarks>
internal sealed class CallerRequestBody(Stream inner) : NonSeekableStream
{
    /// <summary>A read from the caller was pending when the call's token was cancelled.</summary>
    public bool ReadCut { get; private set; }

    public override bool CanRead => true;

    public override bool CanWrite => false;

    /// <summary>Puts the marker between YARP and the caller's request body (after any wrapper already there).</summary>
    public static CallerRequestBody Install(HttpContext context)
    {
        var body = new CallerRequestBody(context.Request.Body);
        context.Request.Body = body;
        return body;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = inner.ReadAsync(buffer, cancellationToken);
        return read.IsCompletedSuccessfully ? read : ObserveAsync(read, cancellationToken);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

    public override void Flush()
    {
    }

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> ObserveAsync(ValueTask<int> read, CancellationToken cancellationToken)
    {
        try
        {
            return await read.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            ReadCut = true;
            throw;
        }
    }
}
