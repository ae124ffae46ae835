using System.Text.Json;
using System.Text.Json.Nodes;
using MeshProxy.TestSupport;

namespace MeshProxy.FunctionalTests.Infrastructure;

/// <summary>Runs tests/node/sidecar/client.js: real grpc-js calls, one JSON result per call.</summary>
public static class GrpcJsClient
{
    public static async Task<GrpcJsResult> CallAsync(Uri target, string method, object? metadata = null, int? deadlineMs = null, int? send = null, int? cancelAfterMs = null, object? request = null) =>
        (await CallManyAsync(target, method, 1, metadata, deadlineMs, send, cancelAfterMs, request))[0];

    public static async Task<IReadOnlyList<GrpcJsResult>> CallManyAsync(Uri target, string method, int calls, object? metadata = null, int? deadlineMs = null, int? send = null, int? cancelAfterMs = null, object? request = null)
    {
        var directory = await NodePeers.EnsureInstalledAsync().DefaultTimeout();
        var scenario = new JsonObject
        {
            ["target"] = target.Authority,
            ["method"] = method,
            ["calls"] = calls,
            ["metadata"] = metadata is null ? new JsonObject() : JsonSerializer.SerializeToNode(metadata),
        };
        if (deadlineMs is not null)
        {
            scenario["deadlineMs"] = deadlineMs;
        }

        if (send is not null)
        {
            scenario["send"] = send;
        }

        if (cancelAfterMs is not null)
        {
            scenario["cancelAfterMs"] = cancelAfterMs;
        }

        if (request is not null)
        {
            scenario["request"] = JsonSerializer.SerializeToNode(request);
        }

        var result = await ProcessRunner.RunAsync("node", [Path.Combine("sidecar", "client.js"), scenario.ToJsonString()], directory, TimeSpan.FromSeconds(60)).DefaultTimeout();
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"client.js failed ({result.ExitCode}): {result.StandardError}");
        }

        return JsonNode.Parse(result.StandardOutput)!.AsArray().Select(node => new GrpcJsResult(node!.AsObject())).ToArray();
    }

    /// <summary>Binary metadata for a scenario: grpc-js sends it base64-encoded on the wire.</summary>
    public static object Binary(byte[] bytes) => new { bin = Convert.ToBase64String(bytes) };
}

/// <summary>What grpc-js reported for one call.</summary>
public sealed class GrpcJsResult(JsonObject json)
{
    public int Code => json["code"]!.GetValue<int>();

    public string Details => json["details"]?.GetValue<string>() ?? string.Empty;

    public int Messages => json["messages"]!.GetValue<int>();

    /// <summary>The last response message as grpc-js decoded it (proto-loader: enums as names), or null.</summary>
    public JsonNode? Response => json["response"];

    public string? Header(string name) => json["headers"]?[name]?.GetValue<string>();

    public string? Trailer(string name) => json["trailers"]?[name] is JsonValue value ? value.GetValue<string>() : null;

    public byte[]? BinaryTrailer(string name) =>
        json["trailers"]?[name]?["bin"]?.GetValue<string>() is { } base64 ? Convert.FromBase64String(base64) : null;

    /// <summary>The backend that answered: x-backend from the headers, or from the trailers of a Trailers-Only reply.</summary>
    public string? Backend => Header("x-backend") ?? Trailer("x-backend");

    public override string ToString() => json.ToJsonString();
}
