using System.IO.Pipelines;
using MeshProxy.Observability.AccessLog;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace MeshProxy.Tests.Observability;

public sealed class BodyByteCounterTests
{
    [Fact]
    public async Task Install_ReadThroughPipeWithPartialConsumes_CountsEachByteOnce()
    {
        var body = new byte[1000];
        Random.Shared.NextBytes(body);
        var context = CreateContext(body, new MemoryStream());

        var counter = BodyByteCounter.Install(context);
        var reader = context.Request.BodyReader;
        var read = new MemoryStream();
        while (true)
        {
            var result = await reader.ReadAsync();
            var buffer = result.Buffer;

            // Consume at most 7 bytes per read while examining everything: the rest comes back in the next read.
            var consumed = buffer.Slice(0, Math.Min(7, buffer.Length));
            foreach (var segment in consumed)
            {
                read.Write(segment.Span);
            }

            reader.AdvanceTo(consumed.End, buffer.End);
            if (result.IsCompleted && buffer.Length == consumed.Length)
            {
                break;
            }
        }

        Assert.Equal(body, read.ToArray());
        Assert.Equal(body.Length, counter.RequestBytes);
    }

    [Fact]
    public async Task Install_ReadThroughStream_CountsBytesRead()
    {
        var body = new byte[300];
        var context = CreateContext(body, new MemoryStream());

        var counter = BodyByteCounter.Install(context);
        var copy = new MemoryStream();
        await context.Request.Body.CopyToAsync(copy);

        Assert.Equal(body.Length, copy.Length);
        Assert.Equal(body.Length, counter.RequestBytes);
    }

    [Fact]
    public async Task Install_WritesThroughStreamAndPipe_CountsWhatReachesTheResponse()
    {
        var sink = new MemoryStream();
        var context = CreateContext([], sink);

        var counter = BodyByteCounter.Install(context);
        await context.Response.Body.WriteAsync(new byte[10]);
        context.Response.Body.Write(new byte[3]);
        var span = context.Response.BodyWriter.GetSpan(7);
        span[..7].Fill(1);
        context.Response.BodyWriter.Advance(7);
        await context.Response.BodyWriter.WriteAsync(new byte[5]);
        await context.Response.BodyWriter.FlushAsync();

        Assert.Equal(sink.Length, counter.ResponseBytes);
        Assert.Equal(25, sink.Length);
    }

    [Fact]
    public void NotLogged_IsNotARealCounter()
    {
        Assert.False(BodyByteCounter.NotLogged.IsLogged);
        Assert.True(BodyByteCounter.Install(CreateContext([], new MemoryStream())).IsLogged);
    }

    private static DefaultHttpContext CreateContext(byte[] requestBody, Stream responseSink)
    {
        var context = new DefaultHttpContext();
        context.Request.Body = new MemoryStream(requestBody);
        context.Features.Set<IRequestBodyPipeFeature>(new RequestBodyPipeFeature(context));
        context.Features.Set<IHttpResponseBodyFeature>(new StreamResponseBodyFeature(responseSink));
        return context;
    }
}
