using Google.Protobuf;
using MeshProxy.TestSupport;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace MeshProxy.FunctionalTests.Observability;

/// <summary>
/// A tiny OTLP trace receiver on 127.0.0.1 port 0, over OTLP/HTTP (protobuf ExportTraceServiceRequests POSTed to
/// <c>/v1/traces</c>) or OTLP/gRPC (h2c, unary TraceService/Export). It decodes the span fields the tests check straight
/// from the wire format (opentelemetry-proto trace/v1/trace.proto: ResourceSpans 1 → ScopeSpans 2 → Span 2).
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly List<ReceivedSpan> _spans = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private const string GrpcExportPath = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

    private LoopbackServer _server = null!;

    private OtlpReceiver()
    {
    }

    public Uri Address => new(_server.Address);

    public static async Task<OtlpReceiver> StartAsync(bool grpc = false)
    {
        var receiver = new OtlpReceiver();
        receiver._server = await LoopbackServer.StartAsync(receiver.HandleAsync, grpc ? HttpProtocols.Http2 : HttpProtocols.Http1);
        return receiver;
    }

    /// <summary>Waits until spans of <paramref name="traceId"/> satisfy <paramref name="done"/>; returns them.</summary>
    public async Task<IReadOnlyList<ReceivedSpan>> WaitForTraceAsync(string traceId, Func<IReadOnlyList<ReceivedSpan>, bool> done)
    {
        while (true)
        {
            Task changed;
            lock (_spans)
            {
                var spans = _spans.Where(s => s.TraceId == traceId).ToList();
                if (done(spans))
                {
                    return spans;
                }

                changed = _changed.Task;
            }

            await changed;
        }
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private async Task HandleAsync(HttpContext context)
    {
        var grpc = context.Request.Path == GrpcExportPath;
        if (!(grpc || context.Request.Path == "/v1/traces") || !HttpMethods.IsPost(context.Request.Method))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body);

        // gRPC: one uncompressed length-prefixed message (flag byte, 4-byte length).
        var message = grpc ? body.ToArray()[5..] : body.ToArray();
        var spans = new List<ReceivedSpan>();
        foreach (var resourceSpans in Fields(message, 1))
        {
            foreach (var scopeSpans in Fields(resourceSpans, 2))
            {
                foreach (var span in Fields(scopeSpans, 2))
                {
                    spans.Add(ReceivedSpan.Decode(span));
                }
            }
        }

        lock (_spans)
        {
            _spans.AddRange(spans);
            _changed.SetResult();
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        // An empty ExportTraceServiceResponse: full success.
        if (!grpc)
        {
            context.Response.ContentType = "application/x-protobuf";
            return;
        }

        context.Response.ContentType = "application/grpc";
        context.Response.AppendTrailer("grpc-status", "0");
        await context.Response.Body.WriteAsync(new byte[5]);
    }

    /// <summary>The length-delimited values of field <paramref name="number"/> in a message.</summary>
    internal static IEnumerable<byte[]> Fields(byte[] message, int number)
    {
        var input = new CodedInputStream(message);
        var result = new List<byte[]>();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) == number && WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited)
            {
                result.Add(input.ReadBytes().ToByteArray());
            }
            else
            {
                input.SkipLastField();
            }
        }

        return result;
    }
}

/// <summary>A span as exported: ids in lowercase hex (parent empty for a root), name and kind (2 server, 3 client).</summary>
public sealed record ReceivedSpan(string TraceId, string SpanId, string ParentSpanId, string Name, int Kind)
{
    internal static ReceivedSpan Decode(byte[] span)
    {
        string traceId = string.Empty, spanId = string.Empty, parent = string.Empty, name = string.Empty;
        var kind = 0;
        var input = new CodedInputStream(span);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1:
                    traceId = Convert.ToHexStringLower(input.ReadBytes().Span);
                    break;
                case 2:
                    spanId = Convert.ToHexStringLower(input.ReadBytes().Span);
                    break;
                case 4:
                    parent = Convert.ToHexStringLower(input.ReadBytes().Span);
                    break;
                case 5:
                    name = input.ReadString();
                    break;
                case 6:
                    kind = input.ReadEnum();
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }

        return new ReceivedSpan(traceId, spanId, parent, name, kind);
    }
}
