using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using MeshProxy.Grpc;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Yarp.ReverseProxy.Forwarder;

namespace MeshProxy.Routing;

/// <summary>
/// The gRPC response body, copied from the upstream stream into the caller's <see cref="PipeWriter"/> here, so that
/// YARP's own copy (StreamCopier: a 64 KiB array rented from the shared pool per call and direction) never runs
/// (issue 11; docs/benchmarks.md, "The response body copied into the caller's pipe").
/// </summary>
/// <remarks>
/// <para>
/// Yarp.ReverseProxy 2.3.0's HttpForwarder, when <see cref="HttpTransformer.TransformResponseAsync(HttpContext, HttpResponseMessage?, CancellationToken)"/>
/// returns false, disposes the upstream response, cancels a request body copy still in progress and returns
/// <see cref="ForwarderError.None"/>. So what it would otherwise do after the body is done here, step for step:
/// copy the trailers (TransformResponseTrailersAsync), complete the response for a streamed (HTTP/2 gRPC) call, and on
/// a body error report it as it does (HandleResponseBodyErrorAsync): the <see cref="IForwarderErrorFeature"/> with the
/// same error kinds (a failed read is ResponseBodyDestination, a failed write ResponseBodyClient, either after the
/// caller went away or the deadline passed ResponseBodyCanceled), a 502 when nothing was sent yet, otherwise a stream
/// reset with YARP's codes (which <see cref="DownstreamGuard"/> maps to RFC 9113's) or an abort. The error it cannot
/// return reaches the endpoint through <see cref="Outcome"/>.
/// </para>
/// <para>
/// YARP resets its activity timeout (the route's stream idle timeout) on every read and write of its copy; its timer
/// is out of reach from here, so this copy keeps its own, reset the same way.
/// </para>
/// </remarks>
internal sealed partial class GrpcRequestTransformer : IForwarderErrorFeature
{
    /// <summary>The first bytes of a body are read through a buffer this size (see <see cref="CopyBodyAsync"/>).</summary>
    private const int FirstReadSize = 4096;

    // Yarp.ReverseProxy 2.3.0 HttpForwarder.ResetOrAbort's codes; DownstreamGuard swaps them to RFC 9113 §7's.
    private const int YarpResetCancelled = 2;
    private const int YarpResetInternalError = 8;

    private ForwarderError _error;
    private Exception? _exception;

    ForwarderError IForwarderErrorFeature.Error => _error;

    Exception? IForwarderErrorFeature.Exception => _exception;

    /// <summary>What YARP returned, or the body error of this copy (for which YARP returns None).</summary>
    public ForwarderError Outcome(ForwarderError forwarded) => forwarded == ForwarderError.None ? _error : forwarded;

    public override async ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        var copyBody = await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken).ConfigureAwait(false);
        if (!copyBody || proxyResponse is null || !IsStreamedGrpc(httpContext, proxyResponse))
        {
            return copyBody;
        }

        if (await CopyBodyAsync(httpContext, proxyResponse).ConfigureAwait(false))
        {
            // HttpForwarder step 8, then its NOTE: complete explicitly, so Kestrel sends the last bytes, the trailers and
            // END_STREAM (with no body, this is when headers and trailers go, as one Trailers-Only reply may).
            await TransformResponseTrailersAsync(httpContext, proxyResponse, _call).ConfigureAwait(false);
            await httpContext.Response.CompleteAsync().ConfigureAwait(false);
        }

        return false;
    }

    /// <summary>
    /// The calls YARP streams (HTTP/2 or later and a gRPC content type, as HttpForwarder's isStreamingRequest), and not an
    /// upgrade, which YARP handles after this returns.
    /// </summary>
    private static bool IsStreamedGrpc(HttpContext context, HttpResponseMessage response) =>
        response.StatusCode != HttpStatusCode.SwitchingProtocols
        && (HttpProtocol.IsHttp2(context.Request.Protocol) || HttpProtocol.IsHttp3(context.Request.Protocol))
        && GrpcProtocol.IsGrpcContentType(context.Request.ContentType);

    /// <summary>
    /// Copies the body; false when it failed (reported as YARP would). Nothing is held while the upstream is quiet: a
    /// zero-byte read waits for its next bytes. The first bytes go through a small rented buffer, since taking the
    /// caller's pipe memory before any byte is known to come would start the response (a Trailers-Only reply must stay
    /// one HEADERS frame); later ones are read straight into the pipe. The pipe is flushed only when the upstream has
    /// nothing more ready, so a message and the end of the call go out together, and a streamed message never waits.
    /// </summary>
    private async ValueTask<bool> CopyBodyAsync(HttpContext context, HttpResponseMessage response)
    {
        using var idle = _idleTimeout == Timeout.InfiniteTimeSpan ? null : CancellationTokenSource.CreateLinkedTokenSource(_call);
        idle?.CancelAfter(_idleTimeout);
        var token = idle?.Token ?? _call;
        var body = context.Features.GetRequiredFeature<IHttpResponseBodyFeature>();
        var guard = body as DownstreamGuard;
        var writer = guard?.TrackedWriter ?? body.Writer;
        var reading = true;
        var started = false;
        var unflushed = false;
        try
        {
            using var source = await response.Content.ReadAsStreamAsync(token).ConfigureAwait(false);
            while (true)
            {
                var ready = source.ReadAsync(Memory<byte>.Empty, token);
                if (!ready.IsCompletedSuccessfully)
                {
                    if (unflushed)
                    {
                        reading = false;
                        await FlushAsync(writer, guard, token).ConfigureAwait(false);
                        unflushed = false;
                        reading = true;
                        idle?.CancelAfter(_idleTimeout);
                    }

                    await ready.ConfigureAwait(false);
                }
                else
                {
                    _ = ready.Result;
                }

                int read;
                if (started)
                {
                    var memory = writer.GetMemory();
                    read = await source.ReadAsync(memory, token).ConfigureAwait(false);
                    if (read > 0)
                    {
                        guard?.Committed(memory.Span[..read]);
                        writer.Advance(read);
                    }
                }
                else
                {
                    read = await ReadFirstAsync(source, writer, guard, token).ConfigureAwait(false);
                    started = read > 0;
                }

                if (read == 0)
                {
                    // Left unflushed on purpose: CompleteAsync sends it with the trailers.
                    return true;
                }

                unflushed = true;
                idle?.CancelAfter(_idleTimeout);
            }
        }
        catch (Exception ex)
        {
            var error = _call.IsCancellationRequested ? ForwarderError.ResponseBodyCanceled
                : reading ? ForwarderError.ResponseBodyDestination
                : ForwarderError.ResponseBodyClient;
            Fail(context, error, ex);
            return false;
        }
    }

    private static async ValueTask<int> ReadFirstAsync(Stream source, PipeWriter writer, DownstreamGuard? guard, CancellationToken token)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(FirstReadSize);
        try
        {
            // Right after the zero-byte read: the bytes are there, so the buffer is held for a copy, not a wait.
            var read = await source.ReadAsync(buffer.AsMemory(0, FirstReadSize), token).ConfigureAwait(false);
            if (read > 0)
            {
                guard?.Committed(buffer.AsSpan(0, read));
                writer.Write(buffer.AsSpan(0, read));
            }

            return read;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async ValueTask FlushAsync(PipeWriter writer, DownstreamGuard? guard, CancellationToken token)
    {
        FlushResult flushed;
        try
        {
            flushed = await writer.FlushAsync(token).ConfigureAwait(false);
        }
        catch
        {
            guard?.CommitFailed();
            throw;
        }

        if (flushed.IsCanceled || flushed.IsCompleted)
        {
            guard?.CommitFailed();
            throw new IOException("The caller's response stream ended before the response body was copied.");
        }
    }

    /// <summary>HttpForwarder.HandleResponseBodyErrorAsync's report (YARP cancels the request body copy itself).</summary>
    private void Fail(HttpContext context, ForwarderError error, Exception exception)
    {
        _error = error;
        _exception = exception;
        context.Features.Set<IForwarderErrorFeature>(this);
        if (!context.Response.HasStarted)
        {
            context.Response.Clear();
            context.Response.StatusCode = StatusCodes.Status502BadGateway;
            return;
        }

        if (context.Features.Get<IHttpResetFeature>() is { } reset)
        {
            reset.Reset(error == ForwarderError.ResponseBodyCanceled ? YarpResetCancelled : YarpResetInternalError);
            return;
        }

        context.Abort();
    }
}
