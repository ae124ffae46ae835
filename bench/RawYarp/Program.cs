using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Yarp.ReverseProxy.Forwarder;

// meshproxy-bench-rawyarp PORT BACKEND_PORT: h2c on 127.0.0.1:PORT, every request forwarded to 127.0.0.1:BACKEND_PORT.
if (args.Length != 2)
{
    Console.Error.WriteLine("usage: meshproxy-bench-rawyarp PORT BACKEND_PORT");
    return 2;
}

var port = int.Parse(args[0], CultureInfo.InvariantCulture);
var destination = $"http://127.0.0.1:{int.Parse(args[1], CultureInfo.InvariantCulture)}/";
var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(kestrel =>
{
    kestrel.AddServerHeader = false;
    kestrel.Listen(IPAddress.Loopback, port, listen => listen.Protocols = HttpProtocols.Http2);
});
builder.Services.AddHttpForwarder();

await using var app = builder.Build();
// A client set up for proxying, as YARP's ForwarderHttpClientFactory makes it: no proxy, redirects, decompression or
// cookies; several HTTP/2 connections when one is full.
using var client = new HttpMessageInvoker(new SocketsHttpHandler
{
    UseProxy = false,
    AllowAutoRedirect = false,
    AutomaticDecompression = DecompressionMethods.None,
    UseCookies = false,
    EnableMultipleHttp2Connections = true,
    ConnectTimeout = TimeSpan.FromSeconds(5),
});
var requestConfig = new ForwarderRequestConfig { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
app.MapForwarder("/{**catch-all}", destination, requestConfig, HttpTransformer.Empty, client);
await app.RunAsync().ConfigureAwait(false);
return 0;
