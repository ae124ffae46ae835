using System.Buffers;
using System.Text;
using CsCheck;
using Google.Protobuf;
using MeshProxy.Configuration;
using MeshProxy.Fuzz.Targets;
using MeshProxy.TestSupport;
using MeshProxy.Testing.V1;
using MeshProxy.Tests.Transcoding;
using MeshProxy.Tests.Transcoding.Rules;
using MeshProxy.Transcoding.Json;
using MeshProxy.Transcoding.Rules;

namespace MeshProxy.Tests.Fuzz;

/// <summary>
/// Property tests for the five parsers fuzz/run.sh fuzzes, in CI: generated inputs (CsCheck) are checked against the
/// fuzz targets' own invariants (fuzz/Targets, run here without instrumentation) and a few stronger ones. The iteration
/// counts keep the class to a few seconds; afl++ runs the millions (docs/testing.md).
/// </summary>
public sealed class ParserPropertyTests
{
    // One thread: the targets reuse their buffers, and the box running CI is shared.
    private const int Threads = 1;

    private static readonly Gen<string> Literal = Gen.String[Gen.Char["abz09-._~"], 1, 4];

    [Fact]
    public void ProtoJson_FormatThenParse_GivesBackTheMessage()
    {
        Gen.Int.Sample(seed =>
        {
            var message = new RandomMessages(seed).Next();
            var json = new ArrayBufferWriter<byte>();
            Assert.True(ProtoJsonCodec.BinaryToJson(message.ToByteArray(), CodecTestData.Everything, json).IsSuccess);
            var binary = new ArrayBufferWriter<byte>();
            var parsed = ProtoJsonCodec.JsonToBinary(json.WrittenSpan, CodecTestData.Everything, binary);

            Assert.True(parsed.IsSuccess, parsed.ToString());
            Assert.Equal(message, Everything.Parser.ParseFrom(binary.WrittenSpan));
            new ProtoJsonTarget().Run([0, .. json.WrittenSpan]);
        }, iter: 300, threads: Threads);
    }

    [Fact]
    public void ProtoJson_AnyText_ParsesOrFailsWithoutThrowingAndFormatIsAFixedPoint()
    {
        var target = new ProtoJsonTarget();
        var json = Gen.OneOf(Gen.String, Gen.String[Gen.Char["{}[]\":,0123456789.eE-+tfnul \\aA_@/"], 0, 40]);
        Gen.Select(Gen.Byte, json).Sample((type, text) => target.Run([type, .. Encoding.UTF8.GetBytes(text)]), iter: 1000, threads: Threads);
    }

    [Fact]
    public void Template_FromTheGrammar_ParsesAndMatchesThePathSpelledFromIt()
    {
        var target = new PathTemplateTarget();
        var segment = Gen.OneOf(Literal, Gen.Const("*"), Literal.Select(l => "{v=" + l + "/*}"), Gen.Const("{w}"));
        var tail = Gen.OneOf(Gen.Const(string.Empty), Gen.Const("/**"), Literal.Select(l => "/{d=**}/" + l));
        var verb = Gen.OneOf(Gen.Const(string.Empty), Literal.Select(l => ":" + l));
        var template = Gen.Select(segment.Array[0, 4], tail, verb, (segments, t, v) =>
        {
            // Each field is bound once: number the variables by position.
            var body = string.Concat(segments.Select((s, i) => "/" + s.Replace("{v=", $"{{v{i}=", StringComparison.Ordinal).Replace("{w}", $"{{w{i}}}", StringComparison.Ordinal))) + t;
            return body.Length == 0 ? "/" : body + v;
        });
        Gen.Select(template, Gen.String[Gen.Char["ab/:%2F*"], 0, 12]).Sample((text, path) =>
        {
            Assert.True(PathTemplateParser.TryParse(text, out _, out var error), error);
            target.Run(Encoding.UTF8.GetBytes(text + "\n/" + path));
        }, iter: 1000, threads: Threads);
    }

    [Fact]
    public void Template_AnyText_IsRefusedOrMatchesItsOwnPaths()
    {
        var target = new PathTemplateTarget();
        Gen.OneOf(Gen.String, Gen.String[Gen.Char["/{}=*:.ab%2"], 0, 16].Select(s => "/" + s))
            .Sample(text => target.Run(Encoding.UTF8.GetBytes(text)), iter: 1000, threads: Threads);
    }

    [Fact]
    public void RestRequest_GeneratedRequestsOnEverySampleRule_BuildAValidMessageOrA4xx()
    {
        var target = new RestRequestTarget();
        var table = RuleTestData.BuildOrThrow(HttpRuleOptions.Default);
        var entries = table.Entries;
        var value = Gen.String[Gen.Char["abc19 -%/é"], 0, 6].Select(Uri.EscapeDataString);
        var field = Gen.OneOf("f_string", "fString", "f_int64", "page_size", "pageSize", "query", "ids", "genre", "labels[k]", "update_mask", "book.title", "nope");
        var query = Gen.Select(field, value, (f, v) => f + "=" + v).Array[0, 4].Select(p => string.Join('&', p));
        var contentType = Gen.OneOf("application/json", string.Empty, "text/plain", "application/json; charset=utf-16", "application/json; charset=shift_jis");
        var body = Gen.OneOf(Gen.Const(string.Empty), Gen.Const("{}"), Gen.Int.Select(seed => new RandomMessages(seed).Next(depth: 2).ToString()), Gen.String);
        Gen.Select(Gen.Int[0, entries.Count - 1], Gen.Select(value, value, (a, b) => (a, b)), query, contentType, body).Sample((index, values, q, type, json) =>
        {
            var entry = entries[index];
            var path = Spell(entry.Template, values.a, values.b);
            target.Run(Encoding.UTF8.GetBytes($"{entry.Binding.HttpMethod} {path}\n{q}\n{type}\n{json}"));
        }, iter: 1000, threads: Threads);
    }

    [Fact]
    public void Config_MutatedSampleFiles_LoadOrReportErrorsWithoutThrowing()
    {
        var target = new ConfigTarget();
        var files = new[] { "demo.yaml", "meshproxy.yaml" }.Select(f => RepoPaths.Combine("config", f))
            .Concat(Directory.GetFiles(RepoPaths.Combine("config", "examples"), "*.yaml").Order(StringComparer.Ordinal))
            .Select(File.ReadAllText).ToArray();
        var token = Gen.OneOf("{", "}", "[", "]", ": ", "- ", "\n", "  ", "*", "&a ", "*a", "!!binary ", "-1", "1e99", "null", "~", "'", "\"", "#",
            "routes:", "clusters:", "weight: ", "transcoding:", "\t", "0s", "-5ms", "99999999999", "<<: ", "? ", "|", ">");
        var edit = Gen.Select(Gen.Int[0, int.MaxValue], Gen.Int[0, 12], token);
        Gen.Select(Gen.Int[0, files.Length - 1], edit.Array[1, 6]).Sample((file, edits) =>
        {
            var text = new StringBuilder(files[file]);
            foreach (var (at, cut, insert) in edits)
            {
                var position = at % (text.Length + 1);
                text.Remove(position, Math.Min(cut, text.Length - position)).Insert(position, insert);
            }

            target.Run(Encoding.UTF8.GetBytes(text.ToString()));
        }, iter: 300, threads: Threads);
    }

    // Found by the test above (seed 4xuhHbw8sVZ1): one '[' inserted into a sample config made YamlDotNet's scanner throw
    // InvalidOperationException, which escaped ConfigLoader.Load. Every position of every sample file, so the input
    // stays covered whatever the files become.
    [Fact]
    public void Config_BracketInsertedAnywhere_LoadsOrReportsErrors()
    {
        foreach (var file in new[] { "outlier.yaml", "canary.yaml" }.Select(f => File.ReadAllText(RepoPaths.Combine("config", "examples", f))))
        {
            for (var i = 0; i <= file.Length; i++)
            {
                var result = ConfigLoader.Load(file.Insert(i, "["));
                Assert.True(result.Succeeded || result.Errors.Count > 0);
            }
        }
    }

    // Every crash afl++ found (fuzz/run.sh) is kept under Crashes/, named after its target, and replayed here: the
    // target's invariants hold and the parser refuses the input with an error value.
    [Theory]
    [InlineData("protojson-fieldmask-non-ascii-0")]
    [InlineData("protojson-fieldmask-non-ascii-1")]
    [InlineData("protojson-fieldmask-non-ascii-2")]
    [InlineData("config-nul-after-key")]
    [InlineData("rest-patch-mask-invalid-utf8-key")]
    public void FuzzCrash_Replayed_NoLongerFails(string name)
    {
        var input = File.ReadAllBytes(RepoPaths.Combine("tests", "MeshProxy.Tests", "Fuzz", "Crashes", name));
        if (name.StartsWith("protojson", StringComparison.Ordinal))
        {
            new ProtoJsonTarget().Run(input);
            var result = ProtoJsonCodec.JsonToBinary(input.AsSpan(1), CodecTestData.Pool.FindMessage("google.protobuf.FieldMask")!, new ArrayBufferWriter<byte>());
            Assert.Contains("lowerCamelCase ASCII", result.ToString(), StringComparison.Ordinal);
        }
        else if (name.StartsWith("rest", StringComparison.Ordinal))
        {
            new RestRequestTarget().Run(input);
        }
        else
        {
            new ConfigTarget().Run(input);
            var result = ConfigLoader.Load(Encoding.UTF8.GetString(input));
            Assert.Contains(result.Errors, e => e.Message.StartsWith("invalid YAML", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Frames_AnyMessagesCutAnywhere_AreReadBackWhole()
    {
        var target = new GrpcFrameTarget();
        Gen.Select(Gen.Byte.Array[0, 40].Array[0, 6], Gen.UShort, Gen.Int[0, 4]).Sample((messages, cuts, truncate) =>
        {
            var body = messages.SelectMany(m => (byte[])[0, .. BitConverter.GetBytes((uint)m.Length).Reverse(), .. m]).ToArray();
            Assert.Equal(messages, GrpcFrameTarget.Reference(body, out var error, out var atBoundary));
            Assert.Null(error);
            Assert.True(atBoundary);
            target.Run([(byte)cuts, (byte)(cuts >> 8), .. body]);
            target.Run([(byte)cuts, (byte)(cuts >> 8), .. body.AsSpan(0, Math.Max(0, body.Length - truncate))]);
        }, iter: 1000, threads: Threads);
    }

    [Fact]
    public void Frames_AnyBytes_AgreeWithThePlainReading()
    {
        var target = new GrpcFrameTarget();
        Gen.Byte.Array[0, 64].Sample(bytes => target.Run(bytes), iter: 1000, threads: Threads);
    }

    /// <summary>A request path for a template: literals as written, each wildcard filled with a generated value.</summary>
    private static string Spell(PathTemplate template, string one, string many)
    {
        var path = new StringBuilder();
        foreach (var segment in template.Segments)
        {
            path.Append('/').Append(segment.Kind switch
            {
                SegmentKind.Literal => segment.Literal,
                SegmentKind.Wildcard => one.Length == 0 ? "x" : one,
                _ => many.Length == 0 ? "y/z" : many + "/z",
            });
        }

        return (path.Length == 0 ? "/" : path.ToString()) + (template.Verb is null ? string.Empty : ":" + template.Verb);
    }
}
