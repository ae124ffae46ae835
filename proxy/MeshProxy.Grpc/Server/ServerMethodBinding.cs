using System.Globalization;
using MeshProxy.Grpc.Framing;
using Microsoft.AspNetCore.Http;

namespace MeshProxy.Grpc.Server;

/// <summary>
/// One method bound to its handler. <see cref="HandleAsync"/> is the request delegate: it checks the request
/// (PROTOCOL-HTTP2.md, Requests), runs the handler and always ends the call with a status.
/// </summary>
internal abstract class ServerMethodBinding
{
    protected ServerMethodBinding(string fullName, MethodType type)
    {
        FullName = fullName;
        Type = type;
    }

    public string FullName { get; }

    public MethodType Type { get; }

    public async Task HandleAsync(HttpContext httpContext, ServerCallEnvironment environment)
    {
        var request = httpContext.Request;
        var logger = environment.Logger;

        // 1. gRPC needs HTTP/2; an HTTP/1.x caller is told to upgrade.
        if (!HttpProtocol.IsHttp2(request.Protocol))
        {
            GrpcServerLog.NotHttp2(logger, FullName, request.Protocol);
            httpContext.Response.StatusCode = StatusCodes.Status426UpgradeRequired;
            httpContext.Response.Headers.Upgrade = "h2c";
            return;
        }

        // 2. "If Content-Type does not begin with application/grpc, gRPC servers SHOULD respond with HTTP status of 415".
        if (!GrpcProtocol.IsGrpcContentType(request.ContentType))
        {
            GrpcServerLog.UnsupportedContentType(logger, FullName, request.ContentType);
            httpContext.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            return;
        }

        // 3. Routing ignores case; gRPC method names do not.
        if (!string.Equals(request.Path.Value, FullName, StringComparison.Ordinal))
        {
            GrpcServerLog.UnimplementedMethod(logger, request.Path.Value ?? string.Empty);
            await TrailersOnlyResponse.WriteAsync(httpContext.Response, StatusCode.Unimplemented, $"Method {request.Path.Value} is unimplemented.").ConfigureAwait(false);
            return;
        }

        // 4. An encoding we cannot read is UNIMPLEMENTED, and grpc-accept-encoding tells the client what we can (compression.md).
        var encoding = request.Headers[GrpcProtocol.EncodingHeader].ToString();
        if (encoding.Length > 0 && !GrpcCompression.IsSupported(encoding))
        {
            GrpcServerLog.UnsupportedRequestEncoding(logger, FullName, encoding);
            TrailersOnlyResponse.Set(httpContext.Response, StatusCode.Unimplemented, $"Unsupported grpc-encoding value '{encoding}'. Supported encodings: {GrpcCompression.AcceptEncoding}");
            httpContext.Response.Headers[GrpcProtocol.AcceptEncodingHeader] = GrpcCompression.AcceptEncoding;
            await httpContext.Response.CompleteAsync().ConfigureAwait(false);
            return;
        }

        // 5. Run the handler; every outcome becomes a status, sent once.
        var call = new ServerCall(httpContext, FullName, environment.Options, logger, environment.TimeProvider, encoding.Length > 0 ? encoding : null);
        await using (call.ConfigureAwait(false))
        {
            var trailers = call.Context.ResponseTrailers;
            Status status;
            try
            {
                await InvokeAsync(call).ConfigureAwait(false);
                status = call.DeadlineExceeded ? new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded") : call.Context.Status;
            }
            catch (Exception ex)
            {
                status = ToStatus(ex, call, trailers, environment);
            }

            await call.CompleteAsync(status, trailers).ConfigureAwait(false);
        }
    }

    protected abstract Task InvokeAsync(ServerCall call);

    private Status ToStatus(Exception exception, ServerCall call, Metadata trailers, ServerCallEnvironment environment)
    {
        if (call.DeadlineExceeded)
        {
            GrpcServerLog.ErrorAfterCompletion(environment.Logger, FullName, exception);
            return new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded");
        }

        if (exception is RpcException rpc)
        {
            foreach (var entry in rpc.Trailers)
            {
                trailers.Add(entry);
            }

            return rpc.Status;
        }

        if (call.HttpContext.RequestAborted.IsCancellationRequested)
        {
            // The client reset the stream; nobody will read this status, and it is not a server error.
            GrpcServerLog.CallCancelled(environment.Logger, FullName);
            return Status.DefaultCancelled;
        }

        GrpcServerLog.HandlerError(environment.Logger, FullName, exception);
        var detail = environment.Options.EnableDetailedErrors
            ? string.Format(CultureInfo.InvariantCulture, "Exception was thrown by handler. {0}: {1}", exception.GetType().Name, exception.Message)
            : "Exception was thrown by handler.";
        return new Status(StatusCode.Unknown, detail);
    }
}
