using System.Text;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Grpc.Net.Client;
using MeshProxy.Cli.Call;
using MeshProxy.Cli.Reflection;
using MeshProxy.Transcoding.Descriptors;
using DescriptorPool = MeshProxy.Transcoding.Descriptors.DescriptorPool;

namespace MeshProxy.Cli;

/// <summary>
/// <c>meshproxy call</c>: a small grpcurl on grpc-dotnet's client. Requests are ProtoJSON converted to binary by our
/// codec through a descriptor set; responses print as indented JSON, one document per message, each flushed as it
/// arrives. A method is looked up in the local descriptor set first and, when its service is not there, through the
/// server's reflection; <c>list</c> and <c>describe</c> ask the server's reflection alone (<see cref="ReflectionCommand"/>).
/// Exit codes as grpcurl: 0 OK, 1 a non-OK status (connection failures are UNAVAILABLE), 2 bad usage or input.
/// </summary>
internal static class CallCommand
{
    public const string Usage = """
        usage: meshproxy call [options] ADDRESS METHOD
               meshproxy call [options] ADDRESS list [SERVICE]
               meshproxy call [options] ADDRESS describe SYMBOL

        Calls one gRPC method over plaintext HTTP/2 (h2c) and prints each response message as JSON; or asks the
        server's reflection service (grpc.reflection.v1, else v1alpha) for its services, a service's methods, or the
        .proto source of a service, method, message or enum.
          ADDRESS                   host:port or http://host:port
          METHOD                    pkg.Service/Method, /pkg.Service/Method or pkg.Service.Method; looked up in the
                                    descriptor set, then through the server's reflection when its service is not there
        Options:
          -d, --data JSON           the request as a JSON object (default {}); client-streaming and bidi methods take
                                    several messages as a JSON array or one object per line; @FILE reads a file, @- stdin
          -H, --header 'NAME: VALUE'  request metadata, repeatable; a NAME ending in -bin takes base64
          --timeout DURATION        deadline sent as grpc-timeout, e.g. 500ms, 5s, 1m (a bare number is seconds)
          -v, --verbose             print response headers and trailers to stderr
          --descriptor-set FILE     the FileDescriptorSet to resolve METHOD in (default: descriptor-set.pb next to
                                    meshproxy, which holds the sample services)
          --emit-defaults           print fields that hold their default value
          --proto-names             print proto field names instead of lowerCamelCase JSON names
        Exit codes: 0 OK, 1 the call failed (ERROR: NAME (code): message on stderr) or the server has no reflection
        for list/describe, 2 usage or input error.
        """;

    /// <summary>The largest -d input read, as the codec's default limit.</summary>
    private const long MaxInputBytes = 64L * 1024 * 1024;

    public static async Task<int> RunAsync(string[] args, Stream stdin, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdin);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);

        if (!CallArgumentsParser.TryParse(args, out var arguments, out var usageError))
        {
            if (usageError is null)
            {
                await stdout.WriteLineAsync(Usage).ConfigureAwait(false);
                return ExitCodes.Ok;
            }

            await stderr.WriteLineAsync($"meshproxy call: {usageError}\n\n{Usage}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        // Creating the channel does not connect: bad input below is still reported before anything is sent.
        using var channel = GrpcChannel.ForAddress(arguments.Address);
        var invoker = channel.CreateCallInvoker();
        if (arguments.Mode != CallMode.Call)
        {
            return await ReflectionCommand.RunAsync(arguments, invoker, Options(arguments, cancellationToken), stdout, stderr).ConfigureAwait(false);
        }

        DescriptorPool local;
        try
        {
            local = DescriptorPool.LoadFile(arguments.DescriptorSet);
        }
        catch (DescriptorSetException e)
        {
            await stderr.WriteLineAsync($"meshproxy call: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        var (json, dataError) = await ReadDataAsync(arguments.Data, stdin, cancellationToken).ConfigureAwait(false);
        if (json is null)
        {
            await stderr.WriteLineAsync($"meshproxy call: {dataError}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        var options = Options(arguments, cancellationToken);
        var (pool, method, methodError) = await ResolveAsync(local, arguments.Target, invoker, options).ConfigureAwait(false);
        if (method is null)
        {
            await stderr.WriteLineAsync($"meshproxy call: {methodError}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        var inputType = pool.FindMessage(method.InputType.FullName);
        var outputType = pool.FindMessage(method.OutputType.FullName);
        if (inputType is null || outputType is null)
        {
            await stderr.WriteLineAsync($"meshproxy call: the descriptor set lacks the messages of {method.FullName}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        var requests = RequestMessages.Convert(json.Value, inputType, method.IsClientStreaming, out dataError);
        if (requests is null)
        {
            await stderr.WriteLineAsync($"meshproxy call: {dataError}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        var printer = new ResponsePrinter(outputType, arguments.Format, stdout, stderr, arguments.Verbose);
        return await new DescriptorCall(invoker, DescriptorCall.MethodFor(method), options, printer).InvokeAsync(requests, pool, local).ConfigureAwait(false);
    }

    /// <summary>The headers and the deadline (from --timeout, so it bounds a reflection lookup and the call together).</summary>
    private static CallOptions Options(CallArguments arguments, CancellationToken cancellationToken)
    {
        var headers = new Metadata();
        foreach (var header in arguments.Headers)
        {
            headers.Add(header);
        }

        return new CallOptions(
            headers: headers,
            deadline: arguments.Timeout is { } timeout ? DateTime.UtcNow + timeout : null,
            cancellationToken: cancellationToken);
    }

    /// <summary>
    /// The method from the local descriptor set; when its service is not there, from the descriptors the server's
    /// reflection gives for it (grpcurl's way). Else null and why, naming close matches of the local set.
    /// </summary>
    private static async Task<(DescriptorPool Pool, MethodDescriptor? Method, string? Error)> ResolveAsync(DescriptorPool local, string target, CallInvoker invoker, CallOptions options)
    {
        if (MethodResolver.TryResolve(local, target, out var method, out var error))
        {
            return (local, method, null);
        }

        if (!MethodResolver.TrySplit(target, out var service, out _, out _) || local.FindService(service) is not null)
        {
            return (local, null, error);
        }

        string? remoteError;
        try
        {
            var reflection = new ReflectionClient(invoker, options);
            await using (reflection.ConfigureAwait(false))
            {
                if (await reflection.FileContainingSymbolAsync(service).ConfigureAwait(false) is { } remote)
                {
                    return MethodResolver.TryResolve(remote, target, out method, out remoteError)
                        ? (remote, method, null)
                        : (remote, null, remoteError + " (by the server's reflection)");
                }

                remoteError = "nor does the server's reflection know it";
            }
        }
        catch (RpcException e)
        {
            remoteError = e.StatusCode == StatusCode.Unimplemented
                ? "the server offers no reflection to look it up in"
                : $"the server's reflection failed: {ResponsePrinter.StatusName(e.StatusCode)}: {e.Status.Detail}";
        }
        catch (DescriptorSetException e)
        {
            remoteError = $"the server's reflection sent descriptors that do not link: {e.Message}";
        }

        return (local, null, $"{error}; {remoteError}");
    }

    /// <summary>The -d bytes, from the argument, a file (@FILE) or stdin (@-); or null and why not.</summary>
    private static async Task<(ReadOnlyMemory<byte>? Json, string? Error)> ReadDataAsync(string data, Stream stdin, CancellationToken cancellationToken)
    {
        if (!data.StartsWith('@'))
        {
            return (Encoding.UTF8.GetBytes(data), null);
        }

        try
        {
            if (data == "@-")
            {
                using var buffer = new MemoryStream();
                await stdin.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
                return buffer.Length > MaxInputBytes ? (null, $"stdin holds more than {MaxInputBytes} bytes") : (buffer.ToArray(), null);
            }

            var path = data[1..];
            var info = new FileInfo(path);
            if (info.Exists && info.Length > MaxInputBytes)
            {
                return (null, $"{path} holds more than {MaxInputBytes} bytes");
            }

            return (await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false), null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, $"cannot read -d {data}: {e.Message}");
        }
    }
}
