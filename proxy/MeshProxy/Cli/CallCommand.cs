using System.Buffers;
using System.Text;
using Google.Protobuf.Reflection;
using MeshProxy.Cli.Call;
using MeshProxy.Grpc;
using MeshProxy.Grpc.Client;
using MeshProxy.Transcoding.Descriptors;
using MeshProxy.Transcoding.Json;

namespace MeshProxy.Cli;

/// <summary>
/// <c>meshproxy call</c>: a small grpcurl. Requests are ProtoJSON converted to binary by our codec through the
/// descriptor set; responses print as indented JSON, one document per message, each flushed as it arrives.
/// Exit codes as grpcurl: 0 OK, 1 a non-OK status (connection failures are UNAVAILABLE), 2 bad usage or input.
/// </summary>
internal static class CallCommand
{
    public const string Usage = """
        usage: meshproxy call [options] ADDRESS METHOD

        Calls one gRPC method over plaintext HTTP/2 (h2c) and prints each response message as JSON.
          ADDRESS                   host:port or http://host:port
          METHOD                    pkg.Service/Method, /pkg.Service/Method or pkg.Service.Method
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
        Exit codes: 0 OK, 1 the call failed (ERROR: NAME (code): message on stderr), 2 usage or input error.
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

        DescriptorPool pool;
        try
        {
            pool = DescriptorPool.LoadFile(arguments.DescriptorSet);
        }
        catch (DescriptorSetException e)
        {
            await stderr.WriteLineAsync($"meshproxy call: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        if (!MethodResolver.TryResolve(pool, arguments.Method, out var method, out var methodError))
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

        var (json, dataError) = await ReadDataAsync(arguments.Data, stdin, cancellationToken).ConfigureAwait(false);
        var requests = json is null ? null : RequestMessages.Convert(json.Value, inputType, method.IsClientStreaming, out dataError);
        if (requests is null)
        {
            await stderr.WriteLineAsync($"meshproxy call: {dataError}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        var type = (method.IsClientStreaming, method.IsServerStreaming) switch
        {
            (false, false) => MethodType.Unary,
            (false, true) => MethodType.ServerStreaming,
            (true, false) => MethodType.ClientStreaming,
            _ => MethodType.DuplexStreaming,
        };
        var grpcMethod = new Method<RawMessage, RawMessage>(type, method.Service.FullName, method.Name, RawMessage.Parser, RawMessage.Parser);
        var headers = new Metadata();
        foreach (var header in arguments.Headers)
        {
            headers.Add(header);
        }

        var options = new CallOptions(
            Headers: headers,
            Deadline: arguments.Timeout is { } timeout ? DateTime.UtcNow + timeout : null,
            CancellationToken: cancellationToken);
        var printer = new ResponsePrinter(outputType, arguments.Format, stdout, stderr, arguments.Verbose);
        using var channel = GrpcChannel.ForAddress(arguments.Address);
        return await new CallInvoker(channel, grpcMethod, options, printer).InvokeAsync(requests, pool).ConfigureAwait(false);
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
