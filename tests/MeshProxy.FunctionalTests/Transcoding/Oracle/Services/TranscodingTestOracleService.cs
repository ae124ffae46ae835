using Google.Api;
using Google.Protobuf;
using Grpc.Core;
using MeshProxy.Testing.V1;

namespace MeshProxy.FunctionalTests.Transcoding.Oracle.Services;

/// <summary>meshproxy.testing.v1.TranscodingTestService on grpc-dotnet, driven by the request (no scripting).</summary>
internal sealed class TranscodingTestOracleService : TranscodingTestService.TranscodingTestServiceBase
{
    /// <summary>
    /// <c>count</c> ticks; a run named <c>status-CODE</c> fails before the first, <c>fail-CODE</c> after the first.
    /// </summary>
    public override async Task Ticks(TicksRequest request, IServerStreamWriter<Tick> responseStream, ServerCallContext context)
    {
        OracleEcho.ThrowIfAsked(request.Run);
        for (var i = 0; i < request.Count; i++)
        {
            await responseStream.WriteAsync(new Tick { Index = i, Run = request.Run });
            if (request.Run.StartsWith("fail-", StringComparison.Ordinal))
            {
                OracleEcho.ThrowIfAsked("status-" + request.Run["fail-".Length..]);
            }
        }
    }

    /// <summary>
    /// The scenario names a status (<c>status-CODE</c>, <c>details-CODE</c>, <c>crash</c>) or is echoed, with the
    /// request's <c>x-oracle-*</c> metadata and a response header and trailer.
    /// </summary>
    public override async Task<ProbeReply> Probe(ProbeRequest request, ServerCallContext context)
    {
        OracleEcho.ThrowIfAsked(request.Scenario);
        var reply = new ProbeReply { Scenario = request.Scenario, Text = request.Text, Number = request.Number };
        reply.Metadata.Add(context.RequestHeaders
            .Where(h => h.Key.StartsWith("x-oracle-", StringComparison.Ordinal))
            .Select(h => $"{h.Key}={h.Value}")
            .Order(StringComparer.Ordinal));
        await context.WriteResponseHeadersAsync([new Metadata.Entry("x-oracle-echo", "in-headers")]);
        context.ResponseTrailers.Add("x-oracle-trailer", "in-trailers");
        return reply;
    }

    public override Task<HttpBody> Upload(HttpBody request, ServerCallContext context) =>
        Task.FromResult(new HttpBody { ContentType = request.ContentType, Data = ByteString.CopyFrom([.. request.Data.Reverse()]) });

    public override async Task Download(TicksRequest request, IServerStreamWriter<HttpBody> responseStream, ServerCallContext context)
    {
        OracleEcho.ThrowIfAsked(request.Run);
        for (var i = 0; i < request.Count; i++)
        {
            await responseStream.WriteAsync(new HttpBody { ContentType = "text/plain", Data = ByteString.CopyFromUtf8($"chunk-{i}\n") });
        }
    }

    public override Task<ProbeReply> ListItems(ProbeRequest request, ServerCallContext context)
    {
        OracleEcho.ThrowIfAsked(request.Scenario);
        return Task.FromResult(new ProbeReply { Scenario = "items", Items = { "a", "b", request.Text } });
    }

    public override async Task<UploadSummary> UploadStream(IAsyncStreamReader<HttpBody> requestStream, ServerCallContext context)
    {
        var summary = new UploadSummary();
        await foreach (var body in requestStream.ReadAllAsync(context.CancellationToken))
        {
            summary.Messages++;
            summary.TotalBytes += body.Data.Length;
            if (!summary.ContentTypes.Contains(body.ContentType))
            {
                summary.ContentTypes.Add(body.ContentType);
            }
        }

        return summary;
    }

    public override Task<ProbeReply> EchoMaps(ProbeRequest request, ServerCallContext context)
    {
        var reply = new ProbeReply { Scenario = "maps", Text = request.Text };
        reply.Metadata.Add(request.Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"labels:{l.Key}={l.Value}"));
        reply.Metadata.Add(request.Ranks.OrderBy(r => r.Key).Select(r => $"ranks:{r.Key}={r.Value}"));
        return Task.FromResult(reply);
    }
}
