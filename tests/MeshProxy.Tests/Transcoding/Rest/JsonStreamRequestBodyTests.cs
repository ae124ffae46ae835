using System.IO.Pipelines;
using System.Text;
using MeshProxy.Tests.Transcoding.Rules;
using MeshProxy.Transcoding.Rest;
using MeshProxy.Transcoding.Rules;
using Microsoft.AspNetCore.Http;

namespace MeshProxy.Tests.Transcoding.Rest;

/// <summary>
/// A refused message of a streamed JSON body leaves the REST body's reader handed back: Kestrel drains the rest of an
/// HTTP/1.1 body after the handler returns, and a reader still marked as reading makes that drain fail and the
/// connection drop after a response that promised keep-alive.
/// </summary>
public sealed class JsonStreamRequestBodyTests
{
    [Theory]
    [InlineData("{\"deleteUserId\": \"a\"}\n{\"upsert\": {\"plan\": true}}\n", 400, "$[1].upsert.plan")]
    [InlineData("{\"deleteUserId\": \"a\"}\n{\"deleteUserId\": \"a\" oops}\n", 400, "$[1]: invalid JSON")]
    [InlineData("{\"deleteUserId\": \"a\"}\n{\"deleteUserId\": \"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\"}\n", 413, "$[1]")]
    public async Task Read_SecondMessageRefused_FailsWithItsStatusAndLeavesTheReaderIdle(string ndjson, int status, string names)
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0));
        await pipe.Writer.WriteAsync(Encoding.UTF8.GetBytes(ndjson));
        await pipe.Writer.CompleteAsync();
        await using var body = CreateBody(pipe.Reader, maxMessageBytes: 64);
        var frame = new byte[1024];

        Assert.True(await body.ReadAsync(frame).AsTask().WaitAsync(TimeSpan.FromSeconds(30)) > 0);
        await Assert.ThrowsAsync<IOException>(() => body.ReadAsync(frame).AsTask().WaitAsync(TimeSpan.FromSeconds(30)));

        Assert.Equal(status, body.Error?.HttpStatus);
        Assert.Contains(names, body.Error?.Message, StringComparison.Ordinal);

        // What Kestrel's drain does next: read the rest. A read never advanced throws "Reading is already in progress".
        Assert.True(pipe.Reader.TryRead(out var rest));
        pipe.Reader.AdvanceTo(rest.Buffer.End);
        Assert.True(rest.IsCompleted);
    }

    private static JsonStreamRequestBody CreateBody(PipeReader reader, int maxMessageBytes)
    {
        var match = RuleTestData.Samples.Match("POST", "/v1/users:sync");
        Assert.Equal(RuleMatchKind.Matched, match.Kind);
        Assert.True(match.Binding!.ClientStreaming);
        return new JsonStreamRequestBody(reader, match.Binding, match.Variables, QueryString.Empty, RequestBuildOptions.Default, maxMessageBytes);
    }
}
