using System.Buffers;
using System.Text;
using MeshProxy.Observability.AccessLog;

namespace MeshProxy.Tests.Observability;

public sealed class AccessLogFormatTests
{
    [Fact]
    public void Format_Entry_OneJsonObjectPerLine()
    {
        var output = new ArrayBufferWriter<byte>();
        var entry = new AccessLogEntry(
            new DateTimeOffset(2026, 11, 22, 9, 30, 0, 123, TimeSpan.Zero), "/users.v1.UserService/GetUser", "users", "v1", "v1-0", "http://10.0.0.1:5001",
            5, 200, 1.23456, 2, 17, 1042, "req\"1", "4bf92f3577b34da6a3ce929d0e0e4736");

        AccessLogWriter.Format(entry, output);

        Assert.Equal(
            "{\"time\":\"2026-11-22T09:30:00.123Z\",\"method\":\"/users.v1.UserService/GetUser\",\"route\":\"users\",\"cluster\":\"v1\",\"backend\":\"v1-0\","
            + "\"destination\":\"http://10.0.0.1:5001\",\"grpc_status\":5,\"http_status\":200,\"duration_ms\":1.235,\"attempts\":2,\"request_bytes\":17,\"response_bytes\":1042,"
            + "\"request_id\":\"req\\u00221\",\"trace_id\":\"4bf92f3577b34da6a3ce929d0e0e4736\",\"caller\":null,\"request_principal\":null}\n",
            Encoding.UTF8.GetString(output.WrittenSpan));
    }

    [Fact]
    public void Format_EntryWithCaller_WritesSpiffeIdAndRequestPrincipal()
    {
        var output = new ArrayBufferWriter<byte>();
        var entry = new AccessLogEntry(
            new DateTimeOffset(2026, 11, 22, 9, 30, 0, TimeSpan.Zero), "/users.v1.UserService/GetUser", "users", "v1", "v1-0", "http://10.0.0.1:5001",
            0, 200, 1, 1, 5, 5, "r", null)
        {
            Caller = "spiffe://example.org/ns/shop/sa/web",
            RequestPrincipal = "https://issuer.example/alice",
        };

        AccessLogWriter.Format(entry, output);

        Assert.EndsWith(
            "\"trace_id\":null,\"caller\":\"spiffe://example.org/ns/shop/sa/web\",\"request_principal\":\"https://issuer.example/alice\"}\n",
            Encoding.UTF8.GetString(output.WrittenSpan));
    }
}
