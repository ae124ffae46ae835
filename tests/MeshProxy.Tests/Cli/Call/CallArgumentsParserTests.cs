using MeshProxy.Cli.Call;

namespace MeshProxy.Tests.Cli.Call;

public sealed class CallArgumentsParserTests
{
    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("5s", 5_000)]
    [InlineData("1.5m", 90_000)]
    [InlineData("2", 2_000)]
    [InlineData("1h", 3_600_000)]
    public void Timeout_WithUnit_ParsesToDuration(string text, int milliseconds)
    {
        Assert.True(CallArgumentsParser.TryParseTimeout(text, out var timeout));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), timeout);
    }

    [Theory]
    [InlineData("0s")]
    [InlineData("-1s")]
    [InlineData("fast")]
    [InlineData("5x")]
    [InlineData("")]
    public void Timeout_NotAPositiveDuration_IsRejected(string text) =>
        Assert.False(CallArgumentsParser.TryParseTimeout(text, out _));

    [Fact]
    public void Header_BinWithUnpaddedBase64_DecodesToBytes()
    {
        Assert.True(CallArgumentsParser.TryParseHeader("X-Trace-Bin: AP8Q", out var header, out _));

        Assert.Equal("x-trace-bin", header.Key);
        Assert.Equal(new byte[] { 0x00, 0xFF, 0x10 }, header.ValueBytes);
    }

    [Theory]
    [InlineData("x-trace-bin: not base64!", "base64")]
    [InlineData("grpc-timeout: 1S", "reserved")]
    [InlineData("no-colon", "name: value")]
    [InlineData("x-a: caf\u00e9", "printable ASCII")]
    public void Header_Invalid_IsUsageErrorSayingWhy(string text, string reason)
    {
        Assert.False(CallArgumentsParser.TryParseHeader(text, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.0.0.1:7070", "http://127.0.0.1:7070/")]
    [InlineData("localhost:50051", "http://localhost:50051/")]
    [InlineData("http://127.0.0.1:7070", "http://127.0.0.1:7070/")]
    [InlineData("[::1]:7070", "http://[::1]:7070/")]
    public void Address_HostPortOrHttp_IsAccepted(string text, string expected)
    {
        Assert.True(CallArgumentsParser.TryParseAddress(text, out var address));
        Assert.Equal(expected, address.ToString());
    }

    [Theory]
    [InlineData("https://127.0.0.1:7070")]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.1:99999")]
    [InlineData("http://127.0.0.1:7070/prefix")]
    public void Address_Unsupported_IsRejected(string text) =>
        Assert.False(CallArgumentsParser.TryParseAddress(text, out _));

    [Fact]
    public void Parse_OptionsAroundPositionals_AreAllRead()
    {
        Assert.True(CallArgumentsParser.TryParse(
            ["-v", "127.0.0.1:1", "--timeout=2s", "a.B/C", "-H", "x-a: 1", "--header", "x-b: 2", "--data", "{\"a\":1}", "--proto-names"],
            out var arguments,
            out _));

        Assert.Equal(("a.B/C", "{\"a\":1}", TimeSpan.FromSeconds(2), true), (arguments.Target, arguments.Data, arguments.Timeout, arguments.Verbose));
        Assert.Equal(["x-a", "x-b"], arguments.Headers.Select(h => h.Key));
        Assert.True(arguments.Format.PreserveProtoFieldNames);
        Assert.True(arguments.Format.Indented);
        Assert.False(arguments.Format.EmitDefaultValues);
        Assert.Equal(Path.Combine(AppContext.BaseDirectory, "descriptor-set.pb"), arguments.DescriptorSet);
    }

    [Theory]
    [InlineData(new[] { "127.0.0.1:1" }, "ADDRESS and METHOD are required")]
    [InlineData(new[] { "127.0.0.1:1", "a.B/C", "extra" }, "unexpected argument 'extra'")]
    [InlineData(new[] { "127.0.0.1:1", "a.B/C", "--plaintext" }, "unknown option '--plaintext'")]
    [InlineData(new[] { "127.0.0.1:1", "a.B/C", "-d" }, "-d needs a value")]
    public void Parse_BadUsage_SaysWhat(string[] args, string error)
    {
        Assert.False(CallArgumentsParser.TryParse(args, out _, out var actual));
        Assert.Equal(error, actual);
    }

    [Theory]
    [InlineData(new[] { "127.0.0.1:1", "list" }, "List", "")]
    [InlineData(new[] { "127.0.0.1:1", "list", "users.v1.UserService" }, "List", "users.v1.UserService")]
    [InlineData(new[] { "-v", "127.0.0.1:1", "describe", "users.v1.User" }, "Describe", "users.v1.User")]
    [InlineData(new[] { "127.0.0.1:1", "users.v1.UserService/GetUser" }, "Call", "users.v1.UserService/GetUser")]
    public void Parse_ListAndDescribe_AreModesWithTheirTarget(string[] args, string mode, string target)
    {
        Assert.True(CallArgumentsParser.TryParse(args, out var arguments, out var error), error);

        Assert.Equal((Enum.Parse<CallMode>(mode), target), (arguments.Mode, arguments.Target));
    }

    [Theory]
    [InlineData(new[] { "127.0.0.1:1", "describe" }, "describe needs a SYMBOL")]
    [InlineData(new[] { "127.0.0.1:1", "list", "a.B", "c.D" }, "unexpected argument 'c.D'")]
    [InlineData(new[] { "127.0.0.1:1", "describe", "a.B", "c.D" }, "unexpected argument 'c.D'")]
    public void Parse_ListAndDescribeBadUsage_SaysWhat(string[] args, string error)
    {
        Assert.False(CallArgumentsParser.TryParse(args, out _, out var actual));
        Assert.Equal(error, actual);
    }

    [Fact]
    public void Parse_Help_IsFalseWithoutError()
    {
        Assert.False(CallArgumentsParser.TryParse(["x:1", "--help"], out _, out var error));
        Assert.Null(error);
    }
}
