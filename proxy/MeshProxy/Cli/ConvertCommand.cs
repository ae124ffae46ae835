using System.Buffers;
using MeshProxy.Transcoding.Descriptors;
using MeshProxy.Transcoding.Json;

namespace MeshProxy.Cli;

/// <summary>
/// <c>meshproxy convert</c>: converts one message between ProtoJSON and protobuf binary, stdin to stdout, like
/// <c>buf convert</c> or <c>protoc --decode</c>. Exit codes: 0 success, 1 conversion or descriptor-set error,
/// 2 usage error. Binary to binary checks the input and copies it unchanged (unknown fields kept).
/// </summary>
internal static class ConvertCommand
{
    public const string Usage = """
        usage: meshproxy convert --descriptor-set FILE --type PKG.MESSAGE --from json|binary --to json|binary [options]

        Reads one message from stdin and writes it to stdout.
          --descriptor-set FILE     a FileDescriptorSet (protoc --include_imports --descriptor_set_out, or buf build)
          --type NAME               fully qualified message name, e.g. meshproxy.testing.v1.Everything
          --from, --to              json or binary
        JSON output:
          --emit-defaults           also write fields that hold their default value
          --enums-as-ints           write enum values as numbers
          --proto-names             write proto field names instead of lowerCamelCase JSON names
          --indent                  indent the JSON
        JSON input:
          --ignore-unknown          skip unknown fields and enum names instead of failing
          --case-insensitive-enums  match enum names ignoring case
        """;

    private const long MaxInputBytes = 256L * 1024 * 1024;

    public static async Task<int> RunAsync(string[] args, Stream stdin, Stream stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdin);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);

        if (!TryParseArguments(args, out var arguments, out var usageError))
        {
            if (usageError is null)
            {
                await stdout.WriteAsync(System.Text.Encoding.UTF8.GetBytes(Usage + "\n")).ConfigureAwait(false);
                return 0;
            }

            await stderr.WriteLineAsync($"meshproxy convert: {usageError}\n\n{Usage}").ConfigureAwait(false);
            return 2;
        }

        DescriptorPool pool;
        try
        {
            pool = DescriptorPool.LoadFile(arguments.DescriptorSet);
        }
        catch (DescriptorSetException e)
        {
            await stderr.WriteLineAsync($"meshproxy convert: {e.Message}").ConfigureAwait(false);
            return 1;
        }

        var type = pool.FindMessage(arguments.TypeName);
        if (type is null)
        {
            await stderr.WriteLineAsync($"meshproxy convert: no message type '{arguments.TypeName}' in {arguments.DescriptorSet}").ConfigureAwait(false);
            return 2;
        }

        byte[] input;
        using (var buffer = new MemoryStream())
        {
            await stdin.CopyToAsync(buffer).ConfigureAwait(false);
            if (buffer.Length > MaxInputBytes)
            {
                await stderr.WriteLineAsync($"meshproxy convert: input exceeds {MaxInputBytes} bytes").ConfigureAwait(false);
                return 1;
            }

            input = buffer.ToArray();
        }

        var output = new ArrayBufferWriter<byte>(Math.Max(input.Length * 2, 256));
        CodecResult result;
        if (arguments.FromJson)
        {
            var parseOptions = new JsonParseOptions
            {
                IgnoreUnknownFields = arguments.IgnoreUnknown,
                CaseInsensitiveEnums = arguments.CaseInsensitiveEnums,
                MaxInputBytes = MaxInputBytes,
            };
            result = ProtoJsonCodec.JsonToBinary(new ReadOnlySequence<byte>(input), type, output, parseOptions);
            if (result.IsSuccess && arguments.ToJson)
            {
                var binary = output.WrittenSpan.ToArray();
                output.Clear();
                result = ProtoJsonCodec.BinaryToJson(binary, type, output, arguments.FormatOptions);
            }
        }
        else if (arguments.ToJson)
        {
            result = ProtoJsonCodec.BinaryToJson(input, type, output, arguments.FormatOptions);
        }
        else
        {
            result = ProtoJsonCodec.ValidateBinary(input, type, arguments.FormatOptions);
            if (result.IsSuccess)
            {
                output.Write(input);
            }
        }

        if (!result.IsSuccess)
        {
            await stderr.WriteLineAsync($"meshproxy convert: {result.Error}").ConfigureAwait(false);
            return 1;
        }

        await stdout.WriteAsync(output.WrittenMemory).ConfigureAwait(false);
        if (arguments.ToJson)
        {
            await stdout.WriteAsync("\n"u8.ToArray()).ConfigureAwait(false);
        }

        await stdout.FlushAsync().ConfigureAwait(false);
        return 0;
    }

    /// <returns>False with a null error for --help, false with an error for bad usage.</returns>
    private static bool TryParseArguments(string[] args, out ConvertArguments arguments, out string? error)
    {
        arguments = new ConvertArguments();
        error = null;
        string? descriptorSet = null, typeName = null, from = null, to = null;
        var format = new JsonFormatOptions();
        bool ignoreUnknown = false, caseInsensitiveEnums = false;
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            switch (arg)
            {
                case "-h":
                case "--help":
                    return false;
                case "--descriptor-set":
                case "--type":
                case "--from":
                case "--to":
                    if (i + 1 >= args.Length)
                    {
                        error = $"{arg} needs a value";
                        return false;
                    }

                    var value = args[++i];
                    _ = arg switch
                    {
                        "--descriptor-set" => descriptorSet = value,
                        "--type" => typeName = value,
                        "--from" => from = value,
                        _ => to = value,
                    };
                    break;
                case "--emit-defaults":
                    format = format with { EmitDefaultValues = true };
                    break;
                case "--enums-as-ints":
                    format = format with { EnumsAsIntegers = true };
                    break;
                case "--proto-names":
                    format = format with { PreserveProtoFieldNames = true };
                    break;
                case "--indent":
                    format = format with { Indented = true };
                    break;
                case "--ignore-unknown":
                    ignoreUnknown = true;
                    break;
                case "--case-insensitive-enums":
                    caseInsensitiveEnums = true;
                    break;
                default:
                    error = $"unknown argument '{arg}'";
                    return false;
            }
        }

        error = descriptorSet is null ? "--descriptor-set is required"
            : typeName is null ? "--type is required"
            : from is not ("json" or "binary") ? "--from must be json or binary"
            : to is not ("json" or "binary") ? "--to must be json or binary"
            : null;
        if (error is not null)
        {
            return false;
        }

        arguments = new ConvertArguments
        {
            DescriptorSet = descriptorSet!,
            TypeName = typeName!,
            FromJson = from == "json",
            ToJson = to == "json",
            FormatOptions = format with { MaxInputBytes = MaxInputBytes },
            IgnoreUnknown = ignoreUnknown,
            CaseInsensitiveEnums = caseInsensitiveEnums,
        };
        return true;
    }
}
