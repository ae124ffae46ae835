using System.Buffers;
using System.Text;
using MeshProxy.Transcoding.Rest;

namespace MeshProxy.Tests.Transcoding.Rest;

public sealed class JsonValueSplitterTests
{
    public static TheoryData<string, string[]> Bodies => new()
    {
        { """[{"a":1},{"b":[1,2,{"c":"]}"}]}]""", ["""{"a":1}""", """{"b":[1,2,{"c":"]}"}]}"""] },
        { "  [ ]  ", [] },
        { "", [] },
        { "{\"a\":\"x\\\"}\"}\n{\"b\":2}\n", ["{\"a\":\"x\\\"}\"}", "{\"b\":2}"] },
        { "{\"a\":1}{\"b\":2}", ["{\"a\":1}", "{\"b\":2}"] },
        { "[1, \"two\", 3.5e2 ,null]", ["1", "\"two\"", "3.5e2", "null"] },
        { "\r\n{\"x\":{}}\r\n\r\n", ["{\"x\":{}}"] },
    };

    [Theory]
    [MemberData(nameof(Bodies))]
    public void TryRead_WholeBody_SplitsIntoValues(string body, string[] expected) =>
        Assert.Equal(expected, ReadAll(body, chunkSize: int.MaxValue));

    [Theory]
    [MemberData(nameof(Bodies))]
    public void TryRead_BodyArrivingByteByByte_SplitsTheSame(string body, string[] expected) =>
        Assert.Equal(expected, ReadAll(body, chunkSize: 1));

    [Theory]
    [InlineData("[{\"a\":1}", "not closed")]
    [InlineData("[{\"a\":1} {\"b\":2}]", "expected ',' or ']'")]
    [InlineData("[{\"a\":1},]", "expected a JSON value")]
    [InlineData("[{\"a\":1}] {\"b\":2}", "after the end")]
    [InlineData("{\"a\":1", "not a complete JSON value")]
    public void TryRead_MalformedStream_ReportsWhere(string body, string error)
    {
        var exception = Assert.Throws<InvalidDataException>(() => ReadAll(body, chunkSize: 3));
        Assert.Contains(error, exception.Message, StringComparison.Ordinal);
    }

    // Feeds the body in chunks as a PipeReader would: unconsumed bytes stay at the front of the next buffer.
    private static List<string> ReadAll(string body, int chunkSize)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var splitter = new JsonValueSplitter();
        var values = new List<string>();
        var start = 0;
        var end = Math.Min(bytes.Length, chunkSize);
        while (true)
        {
            var isFinal = end == bytes.Length;
            var buffer = new ReadOnlySequence<byte>(bytes, start, end - start);
            if (splitter.TryRead(buffer, isFinal, out var value, out var consumed, out var error))
            {
                if (value.IsEmpty)
                {
                    return values;
                }

                values.Add(Encoding.UTF8.GetString(value.ToArray()));
                start += (int)buffer.Slice(0, consumed).Length;
                continue;
            }

            if (error is not null)
            {
                throw new InvalidDataException(error);
            }

            Assert.False(isFinal, "the splitter asked for more bytes after the last ones");
            start += (int)buffer.Slice(0, consumed).Length;
            end = Math.Min(bytes.Length, end + chunkSize);
        }
    }
}
