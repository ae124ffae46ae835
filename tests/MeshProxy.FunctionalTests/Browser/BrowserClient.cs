using System.Text.Json;
using System.Text.Json.Nodes;
using MeshProxy.TestSupport;

namespace MeshProxy.FunctionalTests.Browser;

/// <summary>Runs tests/node/browser/client.mjs: one call by a browser-protocol (or connect-node gRPC) client nobody here wrote.</summary>
internal static class BrowserClient
{
    /// <summary>The clients and protocols proven: name, client package, protocol, binary (proto) or not (JSON / grpc-web-text).</summary>
    public static readonly TheoryData<string> Kinds =
    [
        "connect-web/grpc-web/proto",
        "connect-web/connect/json",
        "connect-web/connect/proto",
        "connect-node/grpc-web/proto",
        "connect-node/connect/json",
        "grpc-web/grpc-web/text",
        "grpc-web/grpc-web/proto",
    ];

    public static async Task<BrowserCallResult> CallAsync(Uri baseUrl, string kind, string method, object? request = null, object? headers = null, int? timeoutMs = null)
    {
        var directory = await NodePeers.EnsureInstalledAsync().DefaultTimeout();
        var parts = kind.Split('/');
        var scenario = new JsonObject
        {
            ["client"] = parts[0],
            ["protocol"] = parts[1],
            ["binary"] = parts[2] == "proto",
            ["baseUrl"] = baseUrl.ToString().TrimEnd('/'),
            ["descriptorSet"] = Path.Combine(AppContext.BaseDirectory, "descriptor-set.pb"),
            ["method"] = method,
            ["request"] = request is null ? new JsonObject() : JsonSerializer.SerializeToNode(request),
            ["headers"] = headers is null ? new JsonObject() : JsonSerializer.SerializeToNode(headers),
        };
        if (timeoutMs is not null)
        {
            scenario["timeoutMs"] = timeoutMs;
        }

        var result = await ProcessRunner.RunAsync("node", [Path.Combine("browser", "client.mjs"), scenario.ToJsonString()], directory, TimeSpan.FromSeconds(60)).DefaultTimeout();
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"client.mjs failed ({result.ExitCode}): {result.StandardError}");
        }

        return new BrowserCallResult(JsonNode.Parse(result.StandardOutput)!.AsObject());
    }
}

/// <summary>What the client reported: its status code (gRPC numbering), messages as ProtoJSON, headers and trailers.</summary>
internal sealed class BrowserCallResult(JsonObject json)
{
    public int Code => json["code"]!.GetValue<int>();

    public string Message => json["message"]?.GetValue<string>() ?? string.Empty;

    public JsonArray Messages => json["messages"]!.AsArray();

    /// <summary>A response header, or the same metadata from the trailers (Trailers-Only and Connect unary errors carry it there).</summary>
    public string? Metadata(string name) =>
        (json["headers"]?[name] ?? json["trailers"]?[name]) is JsonValue value ? value.GetValue<string>() : null;

    public override string ToString() => json.ToJsonString();
}
