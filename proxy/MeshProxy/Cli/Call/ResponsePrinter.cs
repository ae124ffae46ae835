using System.Buffers;
using System.Text;
using Google.Protobuf;
using Grpc.Core;
using MeshProxy.Transcoding.Descriptors;
using MeshProxy.Transcoding.Json;

namespace MeshProxy.Cli.Call;

/// <summary>Writes responses as JSON to stdout, and metadata and errors to stderr, in grpcurl's manner.</summary>
internal sealed class ResponsePrinter(MessageType outputType, JsonFormatOptions format, TextWriter stdout, TextWriter stderr, bool verbose)
{
    /// <summary>The trailer carrying a serialized google.rpc.Status (PROTOCOL-HTTP2.md, Responses).</summary>
    internal const string StatusDetailsTrailer = "grpc-status-details-bin";

    private readonly ArrayBufferWriter<byte> _buffer = new(1024);

    /// <returns>Null once printed, or why the message could not be decoded.</returns>
    public async Task<string?> PrintMessageAsync(byte[] message)
    {
        _buffer.Clear();
        var result = ProtoJsonCodec.BinaryToJson(message, outputType, _buffer, format);
        if (!result.IsSuccess)
        {
            return $"cannot decode the {outputType.FullName} response: {result.Error}";
        }

        await stdout.WriteLineAsync(Encoding.UTF8.GetString(_buffer.WrittenSpan)).ConfigureAwait(false);
        await stdout.FlushAsync().ConfigureAwait(false);
        return null;
    }

    public async Task PrintMetadataAsync(string title, Metadata? metadata)
    {
        if (!verbose || metadata is null)
        {
            return;
        }

        var text = new StringBuilder(title).Append(':').AppendLine();
        foreach (var entry in metadata)
        {
            text.Append("  ").Append(entry.Key).Append(": ")
                .Append(entry.IsBinary ? Convert.ToBase64String(entry.ValueBytes) : entry.Value)
                .AppendLine();
        }

        await stderr.WriteAsync(text.ToString()).ConfigureAwait(false);
        await stderr.FlushAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// <c>ERROR: NOT_FOUND (5): message</c>, then each detail of the google.rpc.Status in the trailers that one of
    /// <paramref name="pools"/> can decode as JSON.
    /// </summary>
    public async Task PrintStatusAsync(Status status, Metadata? trailers, params IReadOnlyList<DescriptorPool> pools)
    {
        var text = new StringBuilder()
            .Append("ERROR: ").Append(StatusName(status.StatusCode))
            .Append(" (").Append((int)status.StatusCode).Append("): ").Append(status.Detail)
            .AppendLine();
        foreach (var detail in RpcStatus(trailers)?.Details ?? [])
        {
            var typeName = detail.TypeUrl[(detail.TypeUrl.LastIndexOf('/') + 1)..];
            text.Append("  detail ").Append(typeName).Append(": ");
            _buffer.Clear();
            if (pools.Select(p => p.FindMessage(typeName)).FirstOrDefault(t => t is not null) is { } type
                && ProtoJsonCodec.BinaryToJson(detail.Value.Span, type, _buffer, format with { Indented = false }).IsSuccess)
            {
                text.Append(Encoding.UTF8.GetString(_buffer.WrittenSpan));
            }
            else
            {
                text.Append('<').Append(detail.Value.Length).Append(" bytes>");
            }

            text.AppendLine();
        }

        await stderr.WriteAsync(text.ToString()).ConfigureAwait(false);
        await stderr.FlushAsync().ConfigureAwait(false);
    }

    public async Task PrintErrorAsync(string message)
    {
        await stderr.WriteLineAsync($"meshproxy call: {message}").ConfigureAwait(false);
        await stderr.FlushAsync().ConfigureAwait(false);
    }

    /// <summary>The spec's upper-case name (statuscodes.md): DeadlineExceeded becomes DEADLINE_EXCEEDED.</summary>
    internal static string StatusName(StatusCode code)
    {
        if (!Enum.IsDefined(code))
        {
            return "UNKNOWN";
        }

        var name = code.ToString();
        var result = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (i > 0 && char.IsUpper(name[i]) && !char.IsUpper(name[i - 1]))
            {
                result.Append('_');
            }

            result.Append(char.ToUpperInvariant(name[i]));
        }

        return result.ToString();
    }

    /// <summary>The google.rpc.Status a server sent with its status, or null when there is none or it does not parse.</summary>
    private static Google.Rpc.Status? RpcStatus(Metadata? trailers)
    {
        if (trailers?.GetValueBytes(StatusDetailsTrailer) is not { } bytes)
        {
            return null;
        }

        try
        {
            return Google.Rpc.Status.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException)
        {
            return null;
        }
    }
}
