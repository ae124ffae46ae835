using System.Text.Json;
using MeshProxy.FunctionalTests.Infrastructure;
using MeshProxy.TestSupport;

namespace MeshProxy.FunctionalTests.Observability;

/// <summary>The JSON access log written to a file by a real sidecar: one line per call, with what the call did.</summary>
public sealed class AccessLogTests
{
    [Fact]
    public async Task AccessLog_EnabledToFile_OneJsonLinePerCall()
    {
        var directory = Directory.CreateTempSubdirectory("meshproxy-access-");
        var path = Path.Combine(directory.FullName, "access.log");
        var stack = new TracingStack($$"""
            accessLog:
              enabled: true
              path: {{path}}
            """);
        await stack.InitializeAsync();
        try
        {
            using var client = GrpcHttp.CreateClient();
            foreach (var id in new[] { "a-1", "a-2", "a-3" })
            {
                using var response = await client.SendAsync(GrpcHttp.UnaryRequest(
                    stack.GrpcAddress, "/users.v1.UserService/GetUser", ("x-request-id", id), ("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"))).DefaultTimeout();
                await response.Content.ReadAsByteArrayAsync().DefaultTimeout();
            }
        }
        finally
        {
            // Stopping drains the queue into the file.
            await stack.DisposeAsync();
        }

        var lines = await File.ReadAllLinesAsync(path);
        directory.Delete(recursive: true);
        Assert.Equal(3, lines.Length);
        var first = JsonDocument.Parse(lines[0]).RootElement;
        Assert.Equal("a-1", first.GetProperty("request_id").GetString());
        Assert.Equal("/users.v1.UserService/GetUser", first.GetProperty("method").GetString());
        Assert.Equal("all", first.GetProperty("route").GetString());
        Assert.Equal("v1", first.GetProperty("cluster").GetString());
        Assert.Equal("v1-0", first.GetProperty("backend").GetString());
        Assert.StartsWith("http://127.0.0.1:", first.GetProperty("destination").GetString(), StringComparison.Ordinal);
        Assert.Equal(200, first.GetProperty("http_status").GetInt32());
        Assert.Equal(1, first.GetProperty("attempts").GetInt32());
        Assert.Equal("4bf92f3577b34da6a3ce929d0e0e4736", first.GetProperty("trace_id").GetString());
        Assert.True(first.GetProperty("duration_ms").GetDouble() > 0);
        Assert.True(first.TryGetProperty("grpc_status", out _));
        Assert.Equal(["a-1", "a-2", "a-3"], lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("request_id").GetString()));
    }

    [Fact]
    public async Task AccessLog_SampleRateZero_WritesNothing()
    {
        var directory = Directory.CreateTempSubdirectory("meshproxy-access-");
        var path = Path.Combine(directory.FullName, "access.log");
        var stack = new TracingStack($$"""
            accessLog: { enabled: true, sampleRate: 0, path: {{path}} }
            """);
        await stack.InitializeAsync();
        try
        {
            using var client = GrpcHttp.CreateClient();
            using var response = await client.SendAsync(GrpcHttp.UnaryRequest(stack.GrpcAddress, "/users.v1.UserService/GetUser")).DefaultTimeout();
            await response.Content.ReadAsByteArrayAsync().DefaultTimeout();
        }
        finally
        {
            await stack.DisposeAsync();
        }

        Assert.False(File.Exists(path));
        directory.Delete(recursive: true);
    }
}
