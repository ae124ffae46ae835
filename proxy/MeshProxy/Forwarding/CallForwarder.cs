using System.Net;
using System.Runtime.CompilerServices;
using MeshProxy.Grpc;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Yarp.ReverseProxy.Forwarder;

namespace MeshProxy.Forwarding;

/// <summary>
/// Forwards one call to its destination and its answer back, behind YARP's <see cref="IHttpForwarder"/> contract: the
/// request's line and body (<see cref="CallerBodyContent"/>), the headers by the caller's <see cref="HttpTransformer"/>,
/// the answer's status, headers, body and trailers, and every failure as the <see cref="ForwarderError"/> YARP would
/// report, with the same feature (<see cref="IForwarderErrorFeature"/>), status code or stream reset.
/// </summary>
/// <remarks>
/// <para>
/// Why ours: the gRPC listener forwards only HTTP/2 calls that never upgrade, so most of YARP's forwarder is paths a
/// call never takes, and at one call in flight every path a call does take runs from cold caches. Measured with
/// <c>bench/latency-path.sh</c> (docs/benchmarks.md, "The forwarding step of our own"). The contract and its outcomes
/// stay YARP's, so the endpoint, the attempt loop and the outcome rules above are unchanged.
/// </para>
/// <para>
/// The order of a call: the idle source (<see cref="StreamIdleSource"/>) linked to the caller and the deadline; the
/// request made and sent through the invoker (the call's attempt loop), whose client starts the body copy; the answer's
/// fields copied; its body copied; its trailers; the response completed for a streaming call; then the body copy's
/// own outcome awaited, since a destination may answer before it read the whole request.
/// </para>
/// </remarks>
internal sealed class CallForwarder : IHttpForwarder
{
    private static readonly TimeSpan DefaultIdleTimeout = TimeSpan.FromSeconds(100);

    public ValueTask<ForwarderError> SendAsync(HttpContext context, string destinationPrefix, HttpMessageInvoker httpClient, ForwarderRequestConfig requestConfig, HttpTransformer transformer) =>
        SendAsync(context, destinationPrefix, httpClient, requestConfig, transformer, CancellationToken.None);

    /// <summary>Awaited once per call, so its state machine comes from the runtime's pool.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<ForwarderError> SendAsync(HttpContext context, string destinationPrefix, HttpMessageInvoker httpClient, ForwarderRequestConfig requestConfig, HttpTransformer transformer, CancellationToken cancellationToken)
    {
        if (IsResponseSet(context.Response))
        {
            throw new InvalidOperationException("The request cannot be forwarded, the response has already started");
        }

        var idle = StreamIdleSource.Rent(requestConfig.ActivityTimeout ?? DefaultIdleTimeout, context.RequestAborted, cancellationToken);
        try
        {
            var request = context.Request;
            // Every gRPC content type (application/grpc and its +proto, +json forms): YARP's exact application/grpc left a
            // +proto call's response uncompleted, and a status sent while its caller still streamed never reached it.
            var streaming = HttpProtocol.IsHttp2(request.Protocol) && GrpcProtocol.IsGrpcContentType(request.ContentType);
            CallerBodyContent? body = null;
            HttpResponseMessage response;
            var created = false;
            try
            {
                var message = new HttpRequestMessage
                {
                    Method = Method(request.Method),
                    Version = requestConfig.Version ?? HttpVersion.Version20,
                    VersionPolicy = requestConfig.VersionPolicy ?? HttpVersionPolicy.RequestVersionOrLower,
                };

                // Kestrel and the transcoder's inner call both say whether a request can have a body (no for a GET).
                if (context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody ?? true)
                {
                    body = new CallerBodyContent(request, streaming, idle);
                    message.Content = body;
                }

                await transformer.TransformRequestAsync(context, message, destinationPrefix, idle.Token).ConfigureAwait(false);
                if (IsResponseSet(context.Response))
                {
                    // The transform answered the call itself.
                    return ForwarderError.None;
                }

                idle.Activity();
                message.RequestUri ??= new Uri(string.Concat(destinationPrefix.AsSpan().TrimEnd('/'), request.Path.ToUriComponent(), request.QueryString.ToUriComponent()), UriKind.Absolute);

                created = true;
                response = await httpClient.SendAsync(message, idle.Token).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                return await RequestFailedAsync(context, body, ex, transformer, idle, created).ConfigureAwait(false);
            }

            idle.Activity();
            if (await CopyFieldsAsync(context, response, body, transformer, idle).ConfigureAwait(false) is { } fieldsError)
            {
                return fieldsError;
            }

            CopyResult copied;
            Exception? copyError;
            using (var answer = await response.Content.ReadAsStreamAsync(idle.Token).ConfigureAwait(false))
            {
                (copied, copyError) = await BodyCopy.CopyAsync(answer, context.Response.Body, BodyCopy.UnknownLength, flushEachWrite: false, idle, idle.Token).ConfigureAwait(false);
            }

            if (copied != CopyResult.Success)
            {
                return await ResponseBodyFailedAsync(context, body, copied, copyError!, idle).ConfigureAwait(false);
            }

            await transformer.TransformResponseTrailersAsync(context, response, idle.Token).ConfigureAwait(false);
            if (streaming)
            {
                // Kestrel sends the trailers (and, for an answer without a body, the headers) only now: a caller still
                // sending would otherwise wait for an end that waits for it.
                await context.Response.CompleteAsync().ConfigureAwait(false);
            }

            // The answer is whole; a request body that failed after it (the destination stopped reading) is said too.
            if (body is { Started: true })
            {
                var (sent, sendError) = await body.Copied.ConfigureAwait(false);
                if (sent != CopyResult.Success)
                {
                    var error = sent switch
                    {
                        CopyResult.InputError => ForwarderError.RequestBodyClient,
                        CopyResult.OutputError => ForwarderError.RequestBodyDestination,
                        _ => ForwarderError.RequestBodyCanceled,
                    };
                    Report(context, error, sendError!);
                    return error;
                }
            }

            return ForwarderError.None;
        }
        finally
        {
            idle.Return();
        }
    }

    /// <summary>The answer's status and headers; null when the body follows, else the call's error (already reported).</summary>
    private static async ValueTask<ForwarderError?> CopyFieldsAsync(HttpContext context, HttpResponseMessage response, CallerBodyContent? body, HttpTransformer transformer, StreamIdleSource idle)
    {
        try
        {
            var status = (int)response.StatusCode;
            context.Response.StatusCode = status;
            if (!HttpProtocol.IsHttp2(context.Request.Protocol) && !HttpProtocol.IsHttp3(context.Request.Protocol)
                && response.ReasonPhrase != ReasonPhrases.GetReasonPhrase(status))
            {
                context.Features.Get<IHttpResponseFeature>()!.ReasonPhrase = response.ReasonPhrase;
            }

            if (await transformer.TransformResponseAsync(context, response, idle.Token).ConfigureAwait(false))
            {
                return null;
            }

            // The transform kept the body from the caller.
            response.Dispose();
            await StopBodyAsync(body, idle).ConfigureAwait(false);
            return ForwarderError.None;
        }
        catch (Exception ex)
        {
            response.Dispose();
            await StopBodyAsync(body, idle).ConfigureAwait(false);
            Report(context, ForwarderError.ResponseHeaders, ex);
            context.Response.Clear();
            context.Response.StatusCode = StatusCodes.Status502BadGateway;
            return ForwarderError.ResponseHeaders;
        }
    }

    /// <summary>
    /// The upstream request failed before an answer. Whose failure it was: a linked cancellation (the caller went
    /// away, or the deadline) is nobody's; a body copy that already failed reading the caller or writing upstream
    /// explains the send's failure; a cancellation left is the idle timeout; anything else is the destination's.
    /// </summary>
    private static async ValueTask<ForwarderError> RequestFailedAsync(HttpContext context, CallerBodyContent? body, Exception failure, HttpTransformer transformer, StreamIdleSource idle, bool created)
    {
        var bodyEnded = body?.Copied.IsCompleted == true;
        if (idle.CancelledByLinkedToken)
        {
            var bodyCanceled = false;
            if (bodyEnded)
            {
                var (sent, sendError) = body!.Copied.Result;
                bodyCanceled = sent == CopyResult.Canceled;
                if (bodyCanceled)
                {
                    failure = new AggregateException(failure, sendError!);
                }
            }

            return await AnswerAsync(bodyCanceled ? ForwarderError.RequestBodyCanceled : ForwarderError.RequestCanceled,
                context.RequestAborted.IsCancellationRequested ? StatusCodes.Status400BadRequest : StatusCodes.Status502BadGateway).ConfigureAwait(false);
        }

        if (bodyEnded)
        {
            var (sent, sendError) = body!.Copied.Result;
            if (sent is CopyResult.InputError or CopyResult.OutputError)
            {
                var error = BodyFailed(context, sent, sendError!, failure, timedOut: idle.IsCancellationRequested);
                await NoAnswerAsync(context, transformer, idle).ConfigureAwait(false);
                return error;
            }
        }

        if (failure is OperationCanceledException)
        {
            return await AnswerAsync(ForwarderError.RequestTimedOut, StatusCodes.Status504GatewayTimeout).ConfigureAwait(false);
        }

        return await AnswerAsync(created ? ForwarderError.Request : ForwarderError.RequestCreation, StatusCodes.Status502BadGateway).ConfigureAwait(false);

        async ValueTask<ForwarderError> AnswerAsync(ForwarderError error, int statusCode)
        {
            Report(context, error, failure);
            context.Response.StatusCode = statusCode;
            await StopBodyAsync(body, idle).ConfigureAwait(false);
            await NoAnswerAsync(context, transformer, idle).ConfigureAwait(false);
            return error;
        }
    }

    /// <summary>The answer's body failed: whose failure, the answer cut (a reset) when it had started.</summary>
    private static async ValueTask<ForwarderError> ResponseBodyFailedAsync(HttpContext context, CallerBodyContent? body, CopyResult copied, Exception failure, StreamIdleSource idle)
    {
        if (body is { Started: true })
        {
            var bodyEnded = body.Copied.IsCompleted;
            if (!bodyEnded)
            {
                idle.Cancel();
            }

            var (sent, sendError) = await body.Copied.ConfigureAwait(false);

            // A request body that had failed already may be what ended the answer.
            if (bodyEnded && sent is CopyResult.InputError or CopyResult.OutputError)
            {
                return BodyFailed(context, sent, sendError!, failure, timedOut: idle.IsCancellationRequested && !idle.CancelledByLinkedToken);
            }
        }

        var error = copied switch
        {
            CopyResult.InputError => ForwarderError.ResponseBodyDestination,
            CopyResult.OutputError => ForwarderError.ResponseBodyClient,
            _ => ForwarderError.ResponseBodyCanceled,
        };
        Report(context, error, failure);
        EndFailed(context, StatusCodes.Status502BadGateway, cancelled: copied == CopyResult.Canceled);
        return error;
    }

    /// <summary>The request body's failure as the call's: the caller's (400, or 408 when idle) or the destination's (502, or 504).</summary>
    private static ForwarderError BodyFailed(HttpContext context, CopyResult sent, Exception sendError, Exception other, bool timedOut)
    {
        ForwarderError error;
        int statusCode;
        if (sent == CopyResult.InputError)
        {
            error = ForwarderError.RequestBodyClient;
            statusCode = timedOut ? StatusCodes.Status408RequestTimeout : sendError is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status400BadRequest;
        }
        else
        {
            error = ForwarderError.RequestBodyDestination;
            statusCode = timedOut ? StatusCodes.Status504GatewayTimeout : StatusCodes.Status502BadGateway;
        }

        Report(context, error, new AggregateException(sendError, other));
        EndFailed(context, statusCode, cancelled: false);
        return error;
    }

    /// <summary>Stops a body copy still running and waits for it to end.</summary>
    private static async ValueTask StopBodyAsync(CallerBodyContent? body, StreamIdleSource idle)
    {
        if (body is { InProgress: true })
        {
            idle.Cancel();
            await body.Copied.ConfigureAwait(false);
        }
    }

    /// <summary>The transform hears that no answer came (a null response), as YARP's contract has it.</summary>
    private static async ValueTask NoAnswerAsync(HttpContext context, HttpTransformer transformer, StreamIdleSource idle)
    {
        try
        {
            await transformer.TransformResponseAsync(context, proxyResponse: null, idle.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The source may have been cancelled here to stop the body; the error already said what happened.
        }
    }

    private static void Report(HttpContext context, ForwarderError error, Exception exception) =>
        context.Features.Set<IForwarderErrorFeature>(new ForwardingFailure(error, exception));

    /// <summary>
    /// A failed call's end: before anything was sent, a clean status (the endpoint makes it a gRPC one); after, only a
    /// reset tells the caller that what it got is not the whole answer.
    /// </summary>
    private static void EndFailed(HttpContext context, int statusCode, bool cancelled)
    {
        if (!context.Response.HasStarted)
        {
            context.Response.Clear();
            context.Response.StatusCode = statusCode;
            return;
        }

        if (context.Features.Get<IHttpResetFeature>() is { } reset)
        {
            // RFC 9113 error codes: CANCEL, INTERNAL_ERROR.
            reset.Reset(cancelled ? 0x8 : 0x2);
            return;
        }

        context.Abort();
    }

    private static bool IsResponseSet(HttpResponse response) => response.StatusCode != StatusCodes.Status200OK || response.HasStarted;

    private static HttpMethod Method(string method) => HttpMethods.IsPost(method) ? HttpMethod.Post : HttpMethod.Parse(method);

    private sealed class ForwardingFailure(ForwarderError error, Exception exception) : IForwarderErrorFeature
    {
        public ForwarderError Error { get; } = error;

        public Exception? Exception { get; } = exception;
    }
}
