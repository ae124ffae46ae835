using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Grpc.Core;
using MeshProxy.Grpc;

namespace MeshProxy.Cli.Call;

/// <summary>
/// Parses <c>meshproxy call [options] ADDRESS METHOD</c>, <c>ADDRESS list [SERVICE]</c> and <c>ADDRESS describe SYMBOL</c>.
/// Options may come before or after the positionals, and a value may follow its option as the next argument or after
/// <c>=</c> (<c>--timeout=5s</c>). <c>list</c> and <c>describe</c> cannot be methods, which always hold a service name.
/// </summary>
internal static class CallArgumentsParser
{
    /// <returns>False with a null error for --help, false with an error for bad usage.</returns>
    public static bool TryParse(string[] args, [NotNullWhen(true)] out CallArguments? arguments, out string? error)
    {
        arguments = null;
        error = null;
        var positionals = new List<string>(3);
        var headers = new List<Metadata.Entry>();
        string? data = null, descriptorSet = null;
        TimeSpan? timeout = null;
        bool verbose = false, emitDefaults = false, protoNames = false;
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            string? inlineValue = null;
            if (arg.StartsWith("--", StringComparison.Ordinal) && arg.IndexOf('=', StringComparison.Ordinal) is > 2 and var equals)
            {
                inlineValue = arg[(equals + 1)..];
                arg = arg[..equals];
            }

            switch (arg)
            {
                case "-h" or "--help":
                    return false;
                case "-v" or "--verbose":
                    verbose = true;
                    break;
                case "--emit-defaults":
                    emitDefaults = true;
                    break;
                case "--proto-names":
                    protoNames = true;
                    break;
                case "-d" or "--data" or "-H" or "--header" or "--timeout" or "--descriptor-set":
                    if (inlineValue is null && i + 1 >= args.Length)
                    {
                        error = $"{arg} needs a value";
                        return false;
                    }

                    var value = inlineValue ?? args[++i];
                    switch (arg)
                    {
                        case "-d" or "--data":
                            data = value;
                            break;
                        case "--descriptor-set":
                            descriptorSet = value;
                            break;
                        case "--timeout":
                            if (!TryParseTimeout(value, out var parsed))
                            {
                                error = $"--timeout '{value}' is not a positive duration such as 500ms, 5s or 1m";
                                return false;
                            }

                            timeout = parsed;
                            break;
                        default:
                            if (!TryParseHeader(value, out var header, out error))
                            {
                                return false;
                            }

                            headers.Add(header);
                            break;
                    }

                    break;
                default:
                    if (arg.StartsWith('-') && arg.Length > 1)
                    {
                        error = $"unknown option '{arg}'";
                        return false;
                    }

                    positionals.Add(arg);
                    break;
            }
        }

        var mode = positionals.Count < 2 ? CallMode.Call : positionals[1] switch
        {
            "list" => CallMode.List,
            "describe" => CallMode.Describe,
            _ => CallMode.Call,
        };
        var (least, most) = mode switch
        {
            CallMode.List => (2, 3),
            CallMode.Describe => (3, 3),
            _ => (2, 2),
        };
        if (positionals.Count < least || positionals.Count > most)
        {
            error = positionals.Count > most ? $"unexpected argument '{positionals[most]}'"
                : mode == CallMode.Describe ? "describe needs a SYMBOL"
                : "ADDRESS and METHOD are required";
            return false;
        }

        if (!TryParseAddress(positionals[0], out var address))
        {
            error = $"ADDRESS '{positionals[0]}' must be host:port or http://host:port";
            return false;
        }

        var target = mode == CallMode.Call ? positionals[1] : positionals.ElementAtOrDefault(2) ?? string.Empty;
        var defaults = new CallArguments { Address = address, Mode = mode, Target = target };
        arguments = defaults with
        {
            Data = data ?? defaults.Data,
            Headers = headers,
            Timeout = timeout,
            Verbose = verbose,
            DescriptorSet = descriptorSet ?? defaults.DescriptorSet,
            Format = defaults.Format with { EmitDefaultValues = emitDefaults, PreserveProtoFieldNames = protoNames },
        };
        return true;
    }

    internal static bool TryParseAddress(string text, [NotNullWhen(true)] out Uri? address)
    {
        address = null;
        if (text.Contains("://", StringComparison.Ordinal))
        {
            // Plaintext h2c only: the sidecar's gRPC listener speaks prior-knowledge HTTP/2 without TLS.
            return Uri.TryCreate(text, UriKind.Absolute, out address)
                && address.Scheme == Uri.UriSchemeHttp
                && address.AbsolutePath == "/";
        }

        return Uri.TryCreate("http://" + text, UriKind.Absolute, out address)
            && address.AbsolutePath == "/"
            && text.LastIndexOf(':') is > 0 and var colon
            && int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            && port is > 0 and <= 65535;
    }

    /// <summary>A number with the unit ms, s, m or h (a bare number is seconds, as grpcurl's --max-time).</summary>
    internal static bool TryParseTimeout(string text, out TimeSpan timeout)
    {
        timeout = default;
        var (number, scale) = text switch
        {
            _ when text.EndsWith("ms", StringComparison.Ordinal) => (text[..^2], 1.0),
            _ when text.EndsWith('s') => (text[..^1], 1000.0),
            _ when text.EndsWith('m') => (text[..^1], 60_000.0),
            _ when text.EndsWith('h') => (text[..^1], 3_600_000.0),
            _ => (text, 1000.0),
        };
        if (!double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value)
            || value <= 0
            || value * scale > TimeSpan.FromDays(365).TotalMilliseconds)
        {
            return false;
        }

        timeout = TimeSpan.FromMilliseconds(value * scale);
        return true;
    }

    /// <summary><c>name: value</c>; a <c>-bin</c> name takes base64 (padded or not), per the gRPC HTTP/2 spec.</summary>
    /// <remarks>
    /// grpc-dotnet checks the key's characters; reserved names and the printable-ASCII rule for text values are checked
    /// here, so that a bad -H is a usage error rather than a failed call.
    /// </remarks>
    internal static bool TryParseHeader(string text, [NotNullWhen(true)] out Metadata.Entry? header, out string? error)
    {
        header = null;
        error = null;
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            error = $"header '{text}' must be 'name: value'";
            return false;
        }

        var name = text[..colon].Trim().ToLowerInvariant();
        var value = text[(colon + 1)..].Trim();
        if (GrpcProtocol.IsReservedHeader(name))
        {
            error = $"header '{name}' is reserved by the gRPC protocol and cannot be metadata";
            return false;
        }

        try
        {
            if (name.EndsWith(Metadata.BinaryHeaderSuffix, StringComparison.Ordinal))
            {
                var padded = value.Length % 4 == 0 ? value : value + new string('=', 4 - (value.Length % 4));
                header = new Metadata.Entry(name, Convert.FromBase64String(padded));
                return true;
            }

            if (value.Any(c => c is < ' ' or > '~'))
            {
                error = $"header '{name}': a text value must be printable ASCII (0x20-0x7E)";
                return false;
            }

            header = new Metadata.Entry(name, value);
            return true;
        }
        catch (FormatException)
        {
            error = $"header '{name}' ends in -bin, so its value must be base64";
            return false;
        }
        catch (ArgumentException e)
        {
            error = $"header '{name}': {e.Message.Split(" (Parameter", 2)[0]}";
            return false;
        }
    }
}
