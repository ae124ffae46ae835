using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using Google.Api;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using MeshProxy.Testing.V1;
using MeshProxy.TestSupport;
using Microsoft.AspNetCore.Http;

namespace MeshProxy.FunctionalTests.Transcoding;

/// <summary>
/// An h2c backend for meshproxy.testing.v1.TranscodingTestService that answers frame by frame, so tests control what
/// plain gRPC servers never do on their own: a stream held open after its first message until the test releases it,
/// a status with google.rpc details, a reply without any grpc-status, metadata in headers and trailers.
/// </summary>
public sealed class ScriptedBackend : IAsyncDisposable
{
    private const string Service = "/meshproxy.testing.v1.TranscodingTestService/";
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _gates = new();
    private LoopbackServer _server = null!;

    private ScriptedBackend()
    {
    }

    public int Port => _server.Port;

    public static async Task<ScriptedBackend> StartAsync()
    {
        var backend = new ScriptedBackend();
        backend._server = await LoopbackServer.StartAsync(backend.HandleAsync);
        return backend;
    }

    /// <summary>Lets the Ticks (or Download) stream of this run continue past its first message.</summary>
    public void Release(string run) => Gate(run).TrySetResult();

    public ValueTask DisposeAsync()
    {
        foreach (var gate in _gates.Values)
        {
            gate.TrySetResult();
        }

        return _server.DisposeAsync();
    }

    private TaskCompletionSource Gate(string run) => _gates.GetOrAdd(run, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    private async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? string.Empty;
        if (path == Service + "UploadStream")
        {
            await UploadStreamAsync(context);
            return;
        }

        var request = await ReadMessageAsync(context);
        context.Response.ContentType = "application/grpc";
        switch (path)
        {
            case Service + "Ticks":
            {
                var ticks = TicksRequest.Parser.ParseFrom(request);
                await WriteAsync(context, new Tick { Index = 0, Run = ticks.Run });
                await Gate(ticks.Run).Task.WaitAsync(context.RequestAborted);
                for (var i = 1; i < ticks.Count; i++)
                {
                    await WriteAsync(context, new Tick { Index = i, Run = ticks.Run });
                }

                if (ticks.Run.StartsWith("fail", StringComparison.Ordinal))
                {
                    Trailers(context, 5, "the run ended badly");
                    return;
                }

                Trailers(context, 0, null);
                return;
            }

            case Service + "Download":
            {
                var ticks = TicksRequest.Parser.ParseFrom(request);
                for (var i = 0; i < ticks.Count; i++)
                {
                    await WriteAsync(context, new HttpBody { ContentType = "text/plain", Data = ByteString.CopyFromUtf8($"chunk-{i}\n") });
                    if (i == 0)
                    {
                        await Gate(ticks.Run).Task.WaitAsync(context.RequestAborted);
                    }
                }

                if (ticks.Run.StartsWith("fail", StringComparison.Ordinal))
                {
                    Trailers(context, 14, "the download broke off");
                    return;
                }

                Trailers(context, 0, null);
                return;
            }

            case Service + "Upload":
            {
                var body = HttpBody.Parser.ParseFrom(request);
                await WriteAsync(context, new HttpBody { ContentType = body.ContentType, Data = ByteString.CopyFrom([.. body.Data.Reverse()]) });
                Trailers(context, 0, null);
                return;
            }

            case Service + "ListItems":
                await WriteAsync(context, new ProbeReply { Scenario = "items", Items = { "a", "b", "c" } });
                Trailers(context, 0, null);
                return;

            case Service + "EchoMaps":
            {
                var probe = ProbeRequest.Parser.ParseFrom(request);
                var reply = new ProbeReply { Scenario = "maps" };
                reply.Metadata.Add(probe.Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"labels:{l.Key}={l.Value}"));
                reply.Metadata.Add(probe.Ranks.OrderBy(r => r.Key).Select(r => $"ranks:{r.Key}={r.Value}"));
                await WriteAsync(context, reply);
                Trailers(context, 0, null);
                return;
            }

            case Service + "Probe":
                await ProbeAsync(context, ProbeRequest.Parser.ParseFrom(request));
                return;

            default:
                context.Response.Headers["grpc-status"] = "12";
                return;
        }
    }

    /// <summary>Reads every HttpBody message of the stream and answers with their count, sizes, content types and hash.</summary>
    private static async Task UploadStreamAsync(HttpContext context)
    {
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        var summary = new UploadSummary();
        var reader = context.Request.BodyReader;
        while (true)
        {
            var result = await reader.ReadAsync(context.RequestAborted);
            var buffer = result.Buffer;
            while (buffer.Length >= 5)
            {
                var length = BinaryPrimitives.ReadUInt32BigEndian(buffer.Slice(1, 4).ToArray());
                if (buffer.Length < 5 + length)
                {
                    break;
                }

                var body = HttpBody.Parser.ParseFrom(buffer.Slice(5, length));
                hash.AppendData(body.Data.Span);
                summary.TotalBytes += body.Data.Length;
                summary.Messages++;
                summary.LargestMessage = Math.Max(summary.LargestMessage, (int)length);
                if (!summary.ContentTypes.Contains(body.ContentType))
                {
                    summary.ContentTypes.Add(body.ContentType);
                }

                buffer = buffer.Slice(5 + length);
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                break;
            }
        }

        summary.Sha256 = Convert.ToHexStringLower(hash.GetHashAndReset());
        context.Response.ContentType = "application/grpc";
        await WriteAsync(context, summary);
        Trailers(context, 0, null);
    }

    private static async Task ProbeAsync(HttpContext context, ProbeRequest probe)
    {
        switch (probe.Scenario)
        {
            case "details":
            {
                var status = new Google.Rpc.Status
                {
                    Code = 3,
                    Message = "text is invalid",
                    Details =
                    {
                        Any.Pack(new BadRequest { FieldViolations = { new BadRequest.Types.FieldViolation { Field = "text", Description = "must not be empty" } } }),
                        new Any { TypeUrl = "type.googleapis.com/unknown.v1.Thing", Value = ByteString.CopyFrom(1, 2, 3) },
                    },
                };
                context.Response.Headers["grpc-status"] = "3";
                context.Response.Headers["grpc-message"] = "text is invalid";
                context.Response.Headers["grpc-status-details-bin"] = Convert.ToBase64String(status.ToByteArray()).TrimEnd('=');
                return;
            }

            case "rich-details":
            {
                // grpc-message says little; the rich status in grpc-status-details-bin says it all.
                var status = new Google.Rpc.Status
                {
                    Code = 9,
                    Message = "the shelf is archived: unarchive it first",
                    Details = { Any.Pack(new PreconditionFailure { Violations = { new PreconditionFailure.Types.Violation { Type = "STATE", Subject = "shelves/1", Description = "archived" } } }) },
                };
                context.Response.Headers["grpc-status"] = "9";
                context.Response.Headers["grpc-message"] = "failed";
                context.Response.Headers["grpc-status-details-bin"] = Convert.ToBase64String(status.ToByteArray());
                return;
            }

            case "unauthenticated":
                context.Response.Headers["www-authenticate"] = "Bearer realm=\"library\", error=\"invalid_token\"";
                context.Response.Headers["grpc-status"] = "16";
                context.Response.Headers["grpc-message"] = "token expired";
                return;

            case "unauthenticated-bare":
                context.Response.Headers["grpc-status"] = "16";
                return;

            case "nostatus":
                await WriteAsync(context, new ProbeReply { Scenario = probe.Scenario });
                return;

            default:
            {
                var reply = new ProbeReply { Scenario = probe.Scenario, Text = probe.Text, Number = probe.Number };
                foreach (var (name, values) in context.Request.Headers.OrderBy(h => h.Key, StringComparer.OrdinalIgnoreCase))
                {
                    reply.Metadata.Add($"{name.ToLowerInvariant()}={values}");
                }

                context.Response.Headers["x-echo"] = "in-headers";
                await WriteAsync(context, reply);
                context.Response.AppendTrailer("x-echo-trailer", "in-trailers");
                Trailers(context, 0, null);
                return;
            }
        }
    }

    private static async Task<byte[]> ReadMessageAsync(HttpContext context)
    {
        var reader = context.Request.BodyReader;
        while (true)
        {
            var result = await reader.ReadAsync(context.RequestAborted);
            var buffer = result.Buffer;
            if (buffer.Length >= 5)
            {
                var prefix = buffer.Slice(0, 5).ToArray();
                var length = BinaryPrimitives.ReadUInt32BigEndian(prefix.AsSpan(1));
                if (buffer.Length >= 5 + length)
                {
                    var message = buffer.Slice(5, length).ToArray();
                    reader.AdvanceTo(buffer.GetPosition(5 + length));
                    return message;
                }
            }

            if (result.IsCompleted)
            {
                reader.AdvanceTo(buffer.End);
                return [];
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private static async Task WriteAsync(HttpContext context, IMessage message)
    {
        await context.Response.BodyWriter.WriteAsync(GrpcFrames.Frame(message.ToByteArray()), context.RequestAborted);
        await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
    }

    private static void Trailers(HttpContext context, int code, string? message)
    {
        context.Response.AppendTrailer("grpc-status", code.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (message is not null)
        {
            context.Response.AppendTrailer("grpc-message", message);
        }
    }
}
