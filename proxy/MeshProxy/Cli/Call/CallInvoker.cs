using MeshProxy.Grpc;
using MeshProxy.Grpc.Client;
using MeshProxy.Transcoding.Descriptors;

namespace MeshProxy.Cli.Call;

/// <summary>Runs one call of any of the four kinds and prints it; returns the exit code.</summary>
internal sealed class CallInvoker(GrpcChannel channel, Method<RawMessage, RawMessage> method, CallOptions options, ResponsePrinter printer)
{
    public async Task<int> InvokeAsync(IReadOnlyList<RawMessage> requests, DescriptorPool pool)
    {
        Func<Task<Metadata>>? headers = null;
        Func<Metadata>? trailers = null;
        try
        {
            string? decodeError;
            switch (method.Type)
            {
                case MethodType.Unary:
                {
                    using var call = channel.UnaryAsync(method, requests[0], options);
                    (headers, trailers) = (() => call.ResponseHeadersAsync, call.GetTrailers);
                    var response = await call.ResponseAsync.ConfigureAwait(false);
                    await PrintHeadersAsync(call.ResponseHeadersAsync).ConfigureAwait(false);
                    decodeError = await printer.PrintMessageAsync(response).ConfigureAwait(false);
                    await printer.PrintMetadataAsync("Response trailers", call.GetTrailers()).ConfigureAwait(false);
                    break;
                }

                case MethodType.ServerStreaming:
                {
                    using var call = channel.ServerStreamingAsync(method, requests[0], options);
                    (headers, trailers) = (() => call.ResponseHeadersAsync, call.GetTrailers);
                    decodeError = await PrintStreamAsync(call.ResponseStream, call.ResponseHeadersAsync).ConfigureAwait(false);
                    await printer.PrintMetadataAsync("Response trailers", call.GetTrailers()).ConfigureAwait(false);
                    break;
                }

                case MethodType.ClientStreaming:
                {
                    using var call = channel.ClientStreamingAsync(method, options);
                    (headers, trailers) = (() => call.ResponseHeadersAsync, call.GetTrailers);
                    await WriteAllAsync(call.RequestStream, requests).ConfigureAwait(false);
                    var response = await call.ResponseAsync.ConfigureAwait(false);
                    await PrintHeadersAsync(call.ResponseHeadersAsync).ConfigureAwait(false);
                    decodeError = await printer.PrintMessageAsync(response).ConfigureAwait(false);
                    await printer.PrintMetadataAsync("Response trailers", call.GetTrailers()).ConfigureAwait(false);
                    break;
                }

                default:
                {
                    using var call = channel.DuplexStreamingAsync(method, options);
                    (headers, trailers) = (() => call.ResponseHeadersAsync, call.GetTrailers);
                    // Requests go out while responses print, as a bidi peer may answer before the client is done.
                    var writing = WriteAllIgnoringStatusAsync(call.RequestStream, requests);
                    decodeError = await PrintStreamAsync(call.ResponseStream, call.ResponseHeadersAsync).ConfigureAwait(false);
                    await writing.ConfigureAwait(false);
                    await printer.PrintMetadataAsync("Response trailers", call.GetTrailers()).ConfigureAwait(false);
                    break;
                }
            }

            if (decodeError is not null)
            {
                await printer.PrintErrorAsync(decodeError).ConfigureAwait(false);
                return ExitCodes.Failure;
            }

            return ExitCodes.Ok;
        }
        catch (RpcException e)
        {
            // Headers only exist when the server sent some before its trailers (not for Trailers-Only replies).
            if (headers is not null && headers() is { IsCompletedSuccessfully: true } sent)
            {
                await printer.PrintMetadataAsync("Response headers", await sent.ConfigureAwait(false)).ConfigureAwait(false);
            }

            await printer.PrintMetadataAsync("Response trailers", e.Trailers).ConfigureAwait(false);
            await printer.PrintStatusAsync(e.Status, pool).ConfigureAwait(false);
            return ExitCodes.Failure;
        }
    }

    private async Task<string?> PrintStreamAsync(IAsyncStreamReader<RawMessage> responses, Task<Metadata> headers)
    {
        var first = true;
        while (await responses.MoveNext(options.CancellationToken).ConfigureAwait(false))
        {
            if (first)
            {
                await PrintHeadersAsync(headers).ConfigureAwait(false);
                first = false;
            }

            if (await printer.PrintMessageAsync(responses.Current).ConfigureAwait(false) is { } error)
            {
                return error;
            }
        }

        if (first)
        {
            await PrintHeadersAsync(headers).ConfigureAwait(false);
        }

        return null;
    }

    private async Task PrintHeadersAsync(Task<Metadata> headers) =>
        await printer.PrintMetadataAsync("Response headers", await headers.ConfigureAwait(false)).ConfigureAwait(false);

    /// <summary>
    /// For bidi: a call that failed, or that the server ended before reading every request (its right, as the call
    /// ends with its status), fails the write too; the read side already reports the outcome.
    /// </summary>
    private static async Task WriteAllIgnoringStatusAsync(IClientStreamWriter<RawMessage> requests, IReadOnlyList<RawMessage> messages)
    {
        try
        {
            await WriteAllAsync(requests, messages).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RpcException or InvalidOperationException)
        {
        }
    }

    private static async Task WriteAllAsync(IClientStreamWriter<RawMessage> requests, IReadOnlyList<RawMessage> messages)
    {
        foreach (var message in messages)
        {
            await requests.WriteAsync(message).ConfigureAwait(false);
        }

        await requests.CompleteAsync().ConfigureAwait(false);
    }
}
