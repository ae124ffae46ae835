using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Grpc.Reflection.V1;
using MeshProxy.Transcoding.Descriptors;
using DescriptorPool = MeshProxy.Transcoding.Descriptors.DescriptorPool;

namespace MeshProxy.Cli.Reflection;

/// <summary>
/// A gRPC server reflection client (grpc/grpc doc/server-reflection.md) on one bidi stream, as grpcurl uses it:
/// grpc.reflection.v1 first, and grpc.reflection.v1alpha when the server answers the first request UNIMPLEMENTED
/// (servers older than v1, such as Grpc.Reflection's own <c>ReflectionServiceImpl</c>). Requests go one at a time.
/// </summary>
/// <remarks>
/// v1alpha is v1 under an older package name, field for field, so both speak through v1's generated messages; only
/// the method path differs (hence the hand-made v1alpha <see cref="Method{TRequest, TResponse}"/>).
/// </remarks>
internal sealed class ReflectionClient(CallInvoker invoker, CallOptions options) : IAsyncDisposable
{
    private static readonly Method<ServerReflectionRequest, ServerReflectionResponse> V1AlphaMethod = new(
        MethodType.DuplexStreaming,
        "grpc.reflection.v1alpha.ServerReflection",
        "ServerReflectionInfo",
        Marshallers.Create(static m => m.ToByteArray(), ServerReflectionRequest.Parser.ParseFrom),
        Marshallers.Create(static m => m.ToByteArray(), ServerReflectionResponse.Parser.ParseFrom));

    private AsyncDuplexStreamingCall<ServerReflectionRequest, ServerReflectionResponse>? _call;

    /// <summary>Every service the server offers, sorted.</summary>
    /// <exception cref="RpcException">The call failed; UNIMPLEMENTED when the server has no reflection service.</exception>
    public async Task<IReadOnlyList<string>> ListServicesAsync()
    {
        var response = await AskAsync(new ServerReflectionRequest { ListServices = string.Empty }).ConfigureAwait(false);
        ThrowIfError(response);
        return [.. response.ListServicesResponse.Service.Select(s => s.Name).Order(StringComparer.Ordinal)];
    }

    /// <summary>
    /// The file that defines <paramref name="symbol"/> (a service, method, message or enum) with every file it imports,
    /// linked into a pool; null when the server does not know the symbol.
    /// </summary>
    /// <exception cref="RpcException">The call failed; UNIMPLEMENTED when the server has no reflection service.</exception>
    /// <exception cref="DescriptorSetException">The server's files do not link.</exception>
    public async Task<DescriptorPool?> FileContainingSymbolAsync(string symbol)
    {
        var response = await AskAsync(new ServerReflectionRequest { FileContainingSymbol = symbol }).ConfigureAwait(false);
        if (response.ErrorResponse is { ErrorCode: (int)StatusCode.NotFound })
        {
            return null;
        }

        ThrowIfError(response);

        // A server may send only the files this stream has not seen yet; ask for any import still missing.
        var files = new Dictionary<string, FileDescriptorProto>(StringComparer.Ordinal);
        var missing = new Queue<string>();
        Add(response);
        while (missing.TryDequeue(out var name))
        {
            if (files.ContainsKey(name))
            {
                continue;
            }

            var dependency = await AskAsync(new ServerReflectionRequest { FileByFilename = name }).ConfigureAwait(false);
            // A file the server cannot give stays missing: the pool fills in google/protobuf's own files or says what lacks.
            if (dependency.ErrorResponse is null)
            {
                Add(dependency);
            }
        }

        var set = new FileDescriptorSet();
        set.File.AddRange(files.Values);
        return DescriptorPool.Load(set.ToByteArray());

        void Add(ServerReflectionResponse answer)
        {
            foreach (var bytes in answer.FileDescriptorResponse?.FileDescriptorProto ?? [])
            {
                var file = FileDescriptorProto.Parser.ParseFrom(bytes);
                if (files.TryAdd(file.Name, file))
                {
                    foreach (var import in file.Dependency)
                    {
                        missing.Enqueue(import);
                    }
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_call is { } call)
        {
            try
            {
                await call.RequestStream.CompleteAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is RpcException or InvalidOperationException)
            {
                // The call already ended; there is nothing to half-close.
            }

            call.Dispose();
        }
    }

    private static void ThrowIfError(ServerReflectionResponse response)
    {
        if (response.ErrorResponse is { } error)
        {
            var code = Enum.IsDefined((StatusCode)error.ErrorCode) ? (StatusCode)error.ErrorCode : StatusCode.Unknown;
            throw new RpcException(new Status(code, error.ErrorMessage));
        }
    }

    private async Task<ServerReflectionResponse> AskAsync(ServerReflectionRequest request)
    {
        if (_call is { } open)
        {
            return await ExchangeAsync(open, request).ConfigureAwait(false);
        }

        var v1 = new ServerReflection.ServerReflectionClient(invoker).ServerReflectionInfo(options);
        try
        {
            var response = await ExchangeAsync(v1, request).ConfigureAwait(false);
            _call = v1;
            return response;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Unimplemented)
        {
            v1.Dispose();
        }

        var v1Alpha = invoker.AsyncDuplexStreamingCall(V1AlphaMethod, null, options);
        _call = v1Alpha;
        return await ExchangeAsync(v1Alpha, request).ConfigureAwait(false);
    }

    private async Task<ServerReflectionResponse> ExchangeAsync(
        AsyncDuplexStreamingCall<ServerReflectionRequest, ServerReflectionResponse> call,
        ServerReflectionRequest request)
    {
        try
        {
            await call.RequestStream.WriteAsync(request).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RpcException or InvalidOperationException)
        {
            // The call has ended or is ending: an UNIMPLEMENTED reply can beat the write, which then fails as
            // CANCELLED or "call is complete". The response stream below throws the call's real status.
        }

        if (!await call.ResponseStream.MoveNext(options.CancellationToken).ConfigureAwait(false))
        {
            throw new RpcException(new Status(StatusCode.Internal, "The reflection stream ended without an answer."));
        }

        return call.ResponseStream.Current;
    }
}
