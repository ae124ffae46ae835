using System.Net;
using Google.Protobuf.Reflection;
using Google.Rpc;
using MeshProxy.Testing.V1;
using MeshProxy.FunctionalTests.Transcoding.Oracle.Services;
using MeshProxy.SampleBackends.Inventory;
using MeshProxy.SampleBackends.Payments;
using MeshProxy.SampleBackends.Users;
using Microsoft.Extensions.Time.Testing;
using MeshProxy.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Constraints;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MeshProxy.FunctionalTests.Transcoding.Oracle;

/// <summary>
/// The services of the differential suite on grpc-dotnet with Microsoft's JSON transcoding
/// (<c>AddGrpc().AddJsonTranscoding()</c>), in-process on two loopback listeners of one Kestrel: HTTP/1.1 for the REST
/// requests Microsoft's transcoder answers, h2c for plain gRPC. The sample services are the sample backends' own
/// classes (users, inventory, payments over their seeded in-memory stores, on a frozen clock); the testing services
/// are <see cref="Services"/>' echo implementations. The suite starts two identical hosts, one behind the sidecar and
/// one for Microsoft's REST side, and sends every request to both, so their stores change in lockstep and a difference
/// between the two REST answers can only come from the transcoders.
/// </summary>
public sealed class OracleHost : IAsyncDisposable
{
    /// <summary>The frozen clock of both hosts' stores, so timestamps in replies agree.</summary>
    private static readonly DateTimeOffset Epoch = new(2026, 1, 2, 3, 4, 5, 123, TimeSpan.Zero);

    private readonly WebApplication _app;

    private OracleHost(WebApplication app, int restPort, int grpcPort)
    {
        _app = app;
        RestAddress = new Uri($"http://127.0.0.1:{restPort}");
        GrpcPort = grpcPort;
    }

    /// <summary>Where Microsoft's transcoder answers REST (HTTP/1.1).</summary>
    public Uri RestAddress { get; }

    /// <summary>The h2c port the sidecar's cluster points at.</summary>
    public int GrpcPort { get; }

    /// <summary>Starts the oracle.</summary>
    /// <param name="logs">Where the host logs.</param>
    /// <param name="protoJsonInt64">
    /// Microsoft's one setting that departs from ProtoJSON by default: int64 values as JSON numbers. The suite's oracle
    /// sets <c>WriteInt64sAsStrings</c> so the bodies are comparable; a host with the default pins the difference.
    /// </param>
    public static async Task<OracleHost> StartAsync(ILoggerProvider logs, bool protoJsonInt64 = true)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Logging.AddProvider(logs);
        builder.Services.AddSingleton<TimeProvider>(new FakeTimeProvider(Epoch));
        builder.Services.AddSingleton<UserStore>();
        builder.Services.AddSingleton<InventoryStore>();
        builder.Services.AddSingleton<PaymentStore>();
        // The type registry lets Microsoft's transcoder print google.rpc details and Any payloads, as the sidecar's
        // descriptor pool does; without it those replies are a 500.
        builder.Services.AddGrpc().AddJsonTranscoding(options =>
        {
            options.JsonSettings.WriteInt64sAsStrings = protoJsonInt64;
            options.TypeRegistry = TypeRegistry.FromFiles(ErrorDetailsReflection.Descriptor, EverythingReflection.Descriptor);
        });
        // Microsoft's transcoder constrains multi-segment variables with regex route constraints, which the empty
        // builder does not register.
        builder.Services.Configure<RouteOptions>(options => options.SetParameterPolicy<RegexInlineRouteConstraint>("regex"));
        ListenOptions? rest = null;
        ListenOptions? grpc = null;
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0, listen =>
            {
                listen.Protocols = HttpProtocols.Http1;
                rest = listen;
            });
            kestrel.Listen(IPAddress.Loopback, 0, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                grpc = listen;
            });
        });

        var app = builder.Build();
        app.UseRouting();
        app.MapGrpcService<LibraryOracleService>();
        app.MapGrpcService<EverythingOracleService>();
        app.MapGrpcService<TranscodingTestOracleService>();
        app.MapGrpcService<UserServiceImpl>();
        app.MapGrpcService<InventoryServiceImpl>();
        app.MapGrpcService<PaymentServiceImpl>();
        await app.StartAsync().DefaultTimeout();
        return new OracleHost(app, Port(rest), Port(grpc));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().DefaultTimeout();
        await _app.DisposeAsync();
    }

    // Kestrel writes the bound port back into the ListenOptions' endpoint once it listens.
    private static int Port(ListenOptions? listen) =>
        (listen?.IPEndPoint ?? throw new InvalidOperationException("Kestrel did not bind the oracle listener.")).Port;
}
