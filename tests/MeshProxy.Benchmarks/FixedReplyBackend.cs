using System.Buffers.Binary;
using System.Net;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace MeshProxy.Benchmarks;

/// <summary>
/// A minimal h2c gRPC backend for the in-process benchmarks: it drains the request and answers every call with one
/// fixed message and status OK, so what a benchmark compares is the proxy, not the backend.
/// </summary>
internal static class FixedReplyBackend
{
    /// <summary>Starts the backend on a free loopback port; <see cref="Port"/> reads it back.</summary>
    public static async Task<WebApplication> StartAsync(IMessage reply)
    {
        var message = reply.ToByteArray();
        var frame = new byte[5 + message.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)message.Length);
        message.CopyTo(frame, 5);

        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http2));
        var app = builder.Build();
        app.Run(async context =>
        {
            await context.Request.Body.CopyToAsync(Stream.Null).ConfigureAwait(false);
            context.Response.ContentType = "application/grpc";
            await context.Response.Body.WriteAsync(frame).ConfigureAwait(false);
            context.Response.AppendTrailer("grpc-status", "0");
        });
        await app.StartAsync().ConfigureAwait(false);
        return app;
    }

    /// <summary>The port the backend listens on.</summary>
    public static int Port(WebApplication backend) =>
        new Uri(backend.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single()).Port;
}
