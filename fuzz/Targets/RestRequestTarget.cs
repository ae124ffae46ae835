using System.Buffers;
using System.Text;
using MeshProxy.Transcoding.Json;
using MeshProxy.Transcoding.Rules;
using Microsoft.AspNetCore.Http;

namespace MeshProxy.Fuzz.Targets;

/// <summary>
/// The REST request builder over the sample rules. Input: four lines (method and path; query string without '?';
/// content type) then the body. Invariant: a request the builder accepts is a valid encoding of the method's input
/// message (it formats as ProtoJSON), and a refusal is a 4xx.
/// </summary>
internal sealed class RestRequestTarget : FuzzTarget
{
    private readonly ArrayBufferWriter<byte> _output = new();
    private readonly ArrayBufferWriter<byte> _json = new();

    public override string Name => "rest";

    public override void Run(ReadOnlySpan<byte> input)
    {
        var table = SamplePool.Table;
        if (!TryLine(ref input, out var requestLine) || !TryLine(ref input, out var query) || !TryLine(ref input, out var contentType))
        {
            return;
        }

        var space = requestLine.IndexOf(' ', StringComparison.Ordinal);
        if (space <= 0)
        {
            return;
        }

        var match = table.Match(requestLine[..space], requestLine[(space + 1)..]);
        if (match.Kind != RuleMatchKind.Matched)
        {
            return;
        }

        var binding = match.Binding!;
        _output.ResetWrittenCount();
        var body = new ReadOnlySequence<byte>(input.ToArray());
        var error = RequestMessageBuilder.Build(binding, match.Variables, query.Length == 0 ? QueryString.Empty : new QueryString("?" + query),
            body, contentType.Length == 0 ? null : contentType, RequestBuildOptions.Default, _output);
        if (error is not null)
        {
            Check(error.HttpStatus is >= 400 and < 500, $"a refusal with status {error.HttpStatus}");
            Check(_output.WrittenCount == 0, "a refused request left bytes in the output");
            return;
        }

        _json.ResetWrittenCount();
        var formatted = ProtoJsonCodec.BinaryToJson(_output.WrittenSpan, binding.Input, _json);
        Check(formatted.IsSuccess, $"the built {binding.Input.FullName} is not a valid message: {formatted}");
    }

    private static bool TryLine(ref ReadOnlySpan<byte> input, out string line)
    {
        var end = input.IndexOf((byte)'\n');
        if (end < 0)
        {
            line = string.Empty;
            return false;
        }

        line = Encoding.UTF8.GetString(input[..end]);
        input = input[(end + 1)..];
        return true;
    }
}
