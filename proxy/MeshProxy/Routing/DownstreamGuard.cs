using System.IO.Pipelines;
using MeshProxy.Grpc;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace MeshProxy.Routing;

/// <summary>
/// Stands between the forwarder and the caller's HTTP/2 stream for one call. It lets a deadline that passes mid-stream
/// end the call with DEADLINE_EXCEEDED in trailers when the forwarded bytes stop between two messages, rather than with
/// a reset (CANCEL) that tells the caller less.
/// </summary>
internal sealed class DownstreamGuard : IHttpResetFeature, IHttpResponseBodyFeature
{
    private readonly IHttpResetFeature _reset;
    private readonly IHttpResponseBodyFeature _body;
    private readonly CancellationToken _deadline;
    private readonly GrpcFrameBoundary? _frames;
    private FrameTrackingStream? _stream;
    private bool _untracked;
    private int? _pendingReset;

    private DownstreamGuard(IHttpResetFeature reset, IHttpResponseBodyFeature body, CancellationToken deadline)
    {
        _reset = reset;
        _body = body;
        _deadline = deadline;
        _frames = deadline.CanBeCanceled ? new GrpcFrameBoundary() : null;
    }

    /// <summary>A reset held back because the deadline cut the stream; <see cref="EndAsync"/> decides what the caller gets.</summary>
    public bool ResetPending => _pendingReset is not null;

    Stream IHttpResponseBodyFeature.Stream => _stream ??= new FrameTrackingStream(_body.Stream, _frames!);

    PipeWriter IHttpResponseBodyFeature.Writer
    {
        get
        {
            // Bytes written through the pipe pass unseen: the guard can then no longer tell where messages end.
            _untracked = true;
            return _body.Writer;
        }
    }

    /// <summary>
    /// A guard for the call when its caller's transport can reset a stream (HTTP/2); null otherwise. It stands in for
    /// <paramref name="reset"/>, and for <paramref name="body"/> too when it <see cref="WatchesBody"/>
    /// (<see cref="CallerResponse"/> puts it in place).
    /// </summary>
    public static DownstreamGuard? Over(IHttpResetFeature? reset, IHttpResponseBodyFeature? body, CancellationToken deadline) =>
        reset is not null && body is not null ? new DownstreamGuard(reset, body, deadline) : null;

    /// <summary>The response body is watched, for where messages end: only when a deadline can cut the call.</summary>
    public bool WatchesBody => _frames is not null;

    public void Reset(int errorCode)
    {
        if (_deadline.IsCancellationRequested)
        {
            _pendingReset = errorCode;
            return;
        }

        _reset.Reset(errorCode);
    }

    /// <summary>
    /// Ends a stream the deadline cut: with DEADLINE_EXCEEDED in trailers when it stopped between messages, else with
    /// the reset it was due.
    /// </summary>
    public Task EndAsync(HttpResponse response)
    {
        if (_pendingReset is not { } code)
        {
            return Task.CompletedTask;
        }

        _pendingReset = null;
        if (_untracked || _frames is not { AtBoundary: true } || _stream is { Faulted: true })
        {
            _reset.Reset(code);
            return Task.CompletedTask;
        }

        TrailersOnlyResponse.AppendTrailers(response, StatusCode.DeadlineExceeded, "deadline exceeded at the proxy");
        return response.CompleteAsync();
    }

    void IHttpResponseBodyFeature.DisableBuffering() => _body.DisableBuffering();

    Task IHttpResponseBodyFeature.StartAsync(CancellationToken cancellationToken) => _body.StartAsync(cancellationToken);

    Task IHttpResponseBodyFeature.SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken)
    {
        _untracked = true;
        return _body.SendFileAsync(path, offset, count, cancellationToken);
    }

    Task IHttpResponseBodyFeature.CompleteAsync() => _body.CompleteAsync();
}
