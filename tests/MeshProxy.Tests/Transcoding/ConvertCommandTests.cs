using System.Text;
using Google.Protobuf;
using MeshProxy.Cli;
using MeshProxy.Testing.V1;
using MeshProxy.TestSupport;

namespace MeshProxy.Tests.Transcoding;

/// <summary><c>meshproxy convert</c> in-process, and against <c>buf convert</c> as an independent reference.</summary>
public sealed class ConvertCommandTests
{
    private const string TypeName = "meshproxy.testing.v1.Everything";

    public static TheoryData<string> Payloads => new()
    {
        "{}",
        "{\"fInt32\": -5, \"fInt64\": \"9223372036854775807\", \"fUint64\": \"18446744073709551615\", \"fSint32\": -7, \"fFixed64\": \"3\"}",
        "{\"fFloat\": 1.5, \"fDouble\": \"NaN\", \"fBool\": true, \"fString\": \"h\u00e9llo \ud834\udd1e\", \"fBytes\": \"AQIDBA==\", \"fColor\": \"COLOR_BLUE\"}",
        "{\"rInt32\": [1, -2, 3], \"rUnpackedInt32\": [4, 5], \"rColor\": [\"COLOR_RED\", 42], \"rNested\": [{\"a\": 1}, {}]}",
        "{\"mInt32\": {\"1\": \"a\"}, \"mBool\": {\"true\": \"t\"}, \"mString\": {\"k\": {\"a\": 2}}, \"mValue\": {\"v\": [1, null, {\"x\": false}]}}",
        "{\"oNested\": {\"child\": {\"b\": \"deep\"}}, \"pInt32\": 0, \"customName\": 9}",
        "{\"wTimestamp\": \"2024-02-29T12:30:00.123Z\", \"wDuration\": \"-1.5s\", \"wFieldMask\": \"fInt32,fNested.child\", \"wStruct\": {\"a\": {\"b\": [true]}}, \"wValue\": null, \"wInt64\": \"5\", \"wBytes\": \"AA==\", \"wEmpty\": {}}",
        "{\"wAny\": {\"@type\": \"type.googleapis.com/meshproxy.testing.v1.Small\", \"id\": \"x\", \"amount\": \"12\"}, \"rAny\": [{\"@type\": \"type.googleapis.com/google.protobuf.Duration\", \"value\": \"3s\"}]}",
    };

    [Theory]
    [MemberData(nameof(Payloads))]
    public async Task JsonToBinary_SameMessageAsBufConvert(string json)
    {
        var (exit, ours, stderr) = await RunAsync(Encoding.UTF8.GetBytes(json), "--from", "json", "--to", "binary");
        Assert.True(exit == 0, stderr);
        var buf = await RunBufAsync(Encoding.UTF8.GetBytes(json), "json", "binpb");
        // Compared through JsonFormatter: buf (Go) and .NET spell NaN with different bits, and both are NaN.
        CodecTestData.AssertJsonEquivalent(
            CodecTestData.Formatter.Format(Everything.Parser.ParseFrom(buf)),
            CodecTestData.Formatter.Format(Everything.Parser.ParseFrom(ours)));
    }

    [Theory]
    [MemberData(nameof(Payloads))]
    public async Task BinaryToJson_SameJsonAsBufConvert(string json)
    {
        var binary = CodecTestData.Parser.Parse<Everything>(json).ToByteArray();
        var (exit, ours, stderr) = await RunAsync(binary, "--from", "binary", "--to", "json");
        Assert.True(exit == 0, stderr);
        var buf = await RunBufAsync(binary, "binpb", "json");
        CodecTestData.AssertJsonEquivalent(Encoding.UTF8.GetString(buf), Encoding.UTF8.GetString(ours));
    }

    [Fact]
    public async Task JsonToJson_OutputFlags_Applied()
    {
        var (exit, output, stderr) = await RunAsync("{\"f_int32\": 0, \"fColor\": \"COLOR_RED\"}"u8.ToArray(),
            "--from", "json", "--to", "json", "--emit-defaults", "--enums-as-ints", "--proto-names", "--indent");
        Assert.True(exit == 0, stderr);
        var text = Encoding.UTF8.GetString(output);
        Assert.Contains("\n  \"f_int32\": 0", text, StringComparison.Ordinal);
        Assert.Contains("\"f_color\": 1", text, StringComparison.Ordinal);
        Assert.Contains("\"r_int32\": []", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task JsonInput_InputFlags_Applied()
    {
        var json = "{\"unknownThing\": [1], \"fColor\": \"color_green\"}"u8.ToArray();
        var (strictExit, _, strictError) = await RunAsync(json, "--from", "json", "--to", "binary");
        Assert.Equal(1, strictExit);
        Assert.Contains("$: unknown field \"unknownThing\"", strictError, StringComparison.Ordinal);

        var (exit, output, stderr) = await RunAsync(json, "--from", "json", "--to", "binary", "--ignore-unknown", "--case-insensitive-enums");
        Assert.True(exit == 0, stderr);
        Assert.Equal(Color.Green, Everything.Parser.ParseFrom(output).FColor);
    }

    [Fact]
    public async Task BinaryToBinary_UnknownFields_Kept()
    {
        // Field 1000 is not in Everything: binary-to-binary keeps it byte for byte.
        byte[] binary = [0x08, 0x05, 0xC2, 0x3E, 0x03, 0x61, 0x62, 0x63];
        var (exit, output, stderr) = await RunAsync(binary, "--from", "binary", "--to", "binary");
        Assert.True(exit == 0, stderr);
        Assert.Equal(binary, output);
    }

    [Fact]
    public async Task BadJson_ExitsOneWithPath()
    {
        var (exit, output, stderr) = await RunAsync("{\"rNested\": [{}, {\"a\": \"abc\"}]}"u8.ToArray(), "--from", "json", "--to", "binary");
        Assert.Equal(1, exit);
        Assert.Empty(output);
        Assert.Contains("$.rNested[1].a: expected an integer, got \"abc\"", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TruncatedBinary_ExitsOne()
    {
        var (exit, _, stderr) = await RunAsync([0x92, 0x01, 0x05, 0x08], "--from", "binary", "--to", "json");
        Assert.Equal(1, exit);
        Assert.Contains("past the end", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--type", TypeName, "--from", "json", "--to", "json")]
    [InlineData("--descriptor-set", "X", "--from", "json", "--to", "json")]
    [InlineData("--descriptor-set", "X", "--type", TypeName, "--from", "xml", "--to", "json")]
    [InlineData("--descriptor-set", "X", "--type", TypeName, "--from", "json", "--to", "json", "--bogus")]
    [InlineData("--descriptor-set")]
    public async Task BadUsage_ExitsTwo(params string[] args)
    {
        var stderr = new StringWriter();
        var exit = await ConvertCommand.RunAsync(args, new MemoryStream(), new MemoryStream(), stderr).DefaultTimeout();
        Assert.Equal(2, exit);
        Assert.Contains("usage: meshproxy convert", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownType_ExitsTwo()
    {
        var stderr = new StringWriter();
        var exit = await ConvertCommand.RunAsync(
            ["--descriptor-set", CodecTestData.DescriptorSetPath, "--type", "no.Such", "--from", "json", "--to", "json"],
            new MemoryStream("{}"u8.ToArray()), new MemoryStream(), stderr).DefaultTimeout();
        Assert.Equal(2, exit);
        Assert.Contains("no message type 'no.Such'", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task NotADescriptorSet_ExitsOne()
    {
        using var set = TempPath.File("not-a-set", ".pb");
        await File.WriteAllTextAsync(set.Path, "{\"this\": \"is json\"}");
        var stderr = new StringWriter();
        var exit = await ConvertCommand.RunAsync(
            ["--descriptor-set", set.Path, "--type", TypeName, "--from", "json", "--to", "json"],
            new MemoryStream("{}"u8.ToArray()), new MemoryStream(), stderr).DefaultTimeout();
        Assert.Equal(1, exit);
        Assert.Contains("Not a FileDescriptorSet", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_ExitsZeroWithUsage()
    {
        var stdout = new MemoryStream();
        var exit = await ConvertCommand.RunAsync(["--help"], new MemoryStream(), stdout, new StringWriter()).DefaultTimeout();
        Assert.Equal(0, exit);
        Assert.StartsWith("usage: meshproxy convert", Encoding.UTF8.GetString(stdout.ToArray()), StringComparison.Ordinal);
    }

    private static async Task<(int Exit, byte[] Output, string Error)> RunAsync(byte[] input, params string[] args)
    {
        var stdout = new MemoryStream();
        var stderr = new StringWriter();
        string[] all = ["--descriptor-set", CodecTestData.DescriptorSetPath, "--type", TypeName, .. args];
        var exit = await ConvertCommand.RunAsync(all, new MemoryStream(input), stdout, stderr).DefaultTimeout();
        return (exit, stdout.ToArray(), stderr.ToString());
    }

    private static async Task<byte[]> RunBufAsync(byte[] input, string from, string to)
    {
        await NodePeers.EnsureInstalledAsync().WaitAsync(TimeSpan.FromMinutes(5));
        var result = await ProcessRunner.RunAsync(
            NodePeers.BufPath,
            ["convert", $"{CodecTestData.DescriptorSetPath}#format=binpb", "--type", TypeName, "--from", $"-#format={from}", "--to", $"-#format={to}"],
            AppContext.BaseDirectory,
            TimeSpan.FromMinutes(1),
            input).WaitAsync(TimeSpan.FromMinutes(2));
        Assert.True(result.ExitCode == 0, result.StandardError);
        return result.StandardOutputBytes;
    }
}
