using Grpc.Core;
using MeshProxy.Transcoding.Descriptors;

namespace MeshProxy.Cli.Call;

/// <summary>
/// Runs one call of any of the four kinds through grpc-dotnet's <see cref="CallInvoker"/> and prints it; returns the
/// exit code. Messages travel as the bytes our descriptor-driven codec wrote and will read, so the marshaller is the
/// identity on both sides: no compiled message type is needed for a method known only from a descriptor set.
/// </summary>
internal sealed class DescriptorCall(CallInvoker invoker, Method<byte[], byte[]> method, CallOptions options, ResponsePrinter printer)
{
    /// <summary>Request and response bytes as they are; the codec builds and reads them.</summary>
    public static readonly Marshaller<byte[]> Bytes = Marshallers.Create(static bytes => bytes, static bytes => bytes);

    /// <summary>The grpc-dotnet method for a descriptor's method, carrying encoded messages.</summary>
    public static Method<byte[], byte[]> MethodFor(Google.Protobuf.Reflection.MethodDescriptor method) => new(
        (method.IsClientStreaming, method.IsServerStreaming) switch
        {
            (false, false) => MethodType.Unary,
            (false, true) => MethodType.ServerStreaming,
            (true, false) => MethodType.ClientStreaming,
            _ => MethodType.DuplexStreaming,
        },
        method.Service.FullName,
        method.Name,
        Bytes,
        Bytes);

    /// <param name="requests">The encoded requests: exactly one unless the method is client-streaming or bidi.</param>
    /// <param name="pools">Where error details' types are looked up.</param>
    public async Task<int> InvokeAsync(IReadOnlyList<byte[]> requests, params IReadOnlyList<DescriptorPool> pools)
    {
        Func<Task<Metadata>>? headers = null;
        try
        {
            string? decodeError;
            switch (method.Type)
            {
                case MethodType.Unary:
                {
                    using var call = invoker.AsyncUnaryCall(method, null, options, requests[0]);
                    headers = () => call.ResponseHeadersAsync;
                    var response = await call.ResponseAsync.ConfigureAwait(false);
                    await PrintHeadersAsync(call.ResponseHeadersAsync).ConfigureAwait(false);
                    decodeError = await printer.PrintMessageAsync(response).ConfigureAwait(false);
                    await printer.PrintMetadataAsync("Response trailers", call.GetTrailers()).ConfigureAwait(false);
                    break;
                }

                case MethodType.ServerStreaming:
                {
                    using var call = invoker.AsyncServerStreamingCall(method, null, options, requests[0]);
                    headers = () => call.ResponseHeadersAsync;
                    decodeError = await PrintStreamAsync(call.ResponseStream, call.ResponseHeadersAsync).ConfigureAwait(false);
                    await printer.PrintMetadataAsync("Response trailers", call.GetTrailers()).ConfigureAwait(false);
                    break;
                }

                case MethodType.ClientStreaming:
                {
                    using var call = invoker.AsyncClientStreamingCall(method, null, options);
                    headers = () => call.ResponseHeadersAsync;
                    await WriteAllIgnoringStatusAsync(call.RequestStream, requests).ConfigureAwait(false);
                    var response = await call.ResponseAsync.ConfigureAwait(false);
                    await PrintHeadersAsync(call.ResponseHeadersAsync).ConfigureAwait(false);
                    decodeError = await printer.PrintMessageAsync(response).ConfigureAwait(false);
                    await printer.PrintMetadataAsync("Response trailers", call.GetTrailers()).ConfigureAwait(false);
                    break;
                }

                default:
                {
                    using var call = invoker.AsyncDuplexStreamingCall(method, null, options);
                    headers = () => call.ResponseHeadersAsync;
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
            if (headers is not null && headers() is { IsCompletedSuccessfully: true } sent && sent.Result.Count > 0)
            {
                await printer.PrintMetadataAsync("Response headers", sent.Result).ConfigureAwait(false);
            }

            await printer.PrintMetadataAsync("Response trailers", e.Trailers).ConfigureAwait(false);
            await printer.PrintStatusAsync(e.Status, e.Trailers, pools).ConfigureAwait(false);
            return ExitCodes.Failure;
        }
    }

    private async Task<string?> PrintStreamAsync(IAsyncStreamReader<byte[]> responses, Task<Metadata> headers)
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
    /// A call that failed, or that the server ended before reading every request (its right, as the call ends with its
    /// status), fails the write too, and a write racing the end may fail as CANCELLED; the response side reports the
    /// call's real status, so the write's failure is dropped.
    /// </summary>
    private static async Task WriteAllIgnoringStatusAsync(IClientStreamWriter<byte[]> requests, IReadOnlyList<byte[]> messages)
    {
        try
        {
            await WriteAllAsync(requests, messages).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RpcException or InvalidOperationException or OperationCanceledException)
        {
        }
    }

    private static async Task WriteAllAsync(IClientStreamWriter<byte[]> requests, IReadOnlyList<byte[]> messages)
    {
        foreach (var message in messages)
        {
            await requests.WriteAsync(message).ConfigureAwait(false);
        }

        await requests.CompleteAsync().ConfigureAwait(false);
    }
}
