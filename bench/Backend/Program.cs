using System.Net;
using MeshProxy.Bench.Backend;
using Microsoft.AspNetCore.Server.Kestrel.Core;

// meshproxy-bench-backend --grpc-port N --sink-port M [--stream-messages K]
// Prints "ready grpc=PORT sink=PORT" once both listeners are bound (port 0 = ephemeral).
var options = BackendOptions.Parse(args);
// The content root is the backend's own folder: the host watches its content root and every folder below it for
// config changes: started above a folder that a run writes into (h2load's per-request log), it would wake once a call.
var host = new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory };
var builder = WebApplication.CreateSlimBuilder(host);
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(kestrel =>
{
    kestrel.AddServerHeader = false;
    kestrel.Listen(IPAddress.Loopback, options.GrpcPort, listen => listen.Protocols = HttpProtocols.Http2);
    // The OTLP/HTTP trace sink: the OpenTelemetry exporter posts over HTTP/1.1.
    kestrel.Listen(IPAddress.Loopback, options.SinkPort, listen => listen.Protocols = HttpProtocols.Http1AndHttp2);
});

await using var app = builder.Build();
var handler = new BenchHandler(options.StreamMessages);
app.Run(handler.HandleAsync);
await app.StartAsync().ConfigureAwait(false);

var ports = app.Urls.Select(url => new Uri(url).Port).ToArray();
Console.WriteLine($"ready grpc={ports[0]} sink={ports[1]}");
await app.WaitForShutdownAsync().ConfigureAwait(false);
