using System.Net;
using Grpc.Core;
using Grpc.Reflection;
using MeshProxy.Samples.Users.V1;
using MeshProxy.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ReflectionV1Alpha = Grpc.Reflection.V1Alpha.ServerReflection;

namespace MeshProxy.FunctionalTests.Cli;

/// <summary>Which reflection service a <see cref="ReflectionBackend"/> offers.</summary>
public enum ReflectionKind
{
    /// <summary>Grpc.AspNetCore.Server.Reflection: grpc.reflection.v1 and v1alpha.</summary>
    V1AndV1Alpha,

    /// <summary>Only grpc.reflection.v1alpha (Grpc.Reflection's <see cref="ReflectionServiceImpl"/>), as older servers.</summary>
    V1AlphaOnly,

    /// <summary>No reflection: both reflection services are UNIMPLEMENTED.</summary>
    None,
}

/// <summary>
/// A grpc-dotnet server on 127.0.0.1 port 0 (h2c) with a users.v1.UserService written on the generated base, as our
/// users write theirs, and the reflection service of <see cref="ReflectionKind"/>. Its replies say "reflection
/// backend", so a test can tell them from the sample backends'.
/// </summary>
public sealed class ReflectionBackend : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ReflectionBackend(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    public int Port { get; }

    public string Authority => $"127.0.0.1:{Port}";

    public static async Task<ReflectionBackend> StartAsync(ReflectionKind reflection, XunitLoggerProvider logs)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Logging.AddProvider(logs);
        ListenOptions? bound = null;
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen =>
        {
            listen.Protocols = HttpProtocols.Http2;
            bound = listen;
        }));
        builder.Services.AddGrpc();
        switch (reflection)
        {
            case ReflectionKind.V1AndV1Alpha:
                builder.Services.AddGrpcReflection();
                break;
            case ReflectionKind.V1AlphaOnly:
                builder.Services.AddSingleton(new ReflectionServiceImpl(UserService.Descriptor, ReflectionV1Alpha.Descriptor));
                break;
        }

        var app = builder.Build();
        app.MapGrpcService<Users>();
        switch (reflection)
        {
            case ReflectionKind.V1AndV1Alpha:
                app.MapGrpcReflectionService();
                break;
            case ReflectionKind.V1AlphaOnly:
                app.MapGrpcService<ReflectionServiceImpl>();
                break;
        }

        await app.StartAsync().DefaultTimeout();
        return new ReflectionBackend(app, bound!.IPEndPoint!.Port);
    }

    public async ValueTask DisposeAsync()
    {
        using (var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            await _app.StopAsync(stopping.Token);
        }

        await _app.DisposeAsync();
    }

    private sealed class Users : UserService.UserServiceBase
    {
        public override Task<User> GetUser(GetUserRequest request, ServerCallContext context) =>
            request.UserId == "u-404"
                ? throw new RpcException(new Status(StatusCode.NotFound, $"No user '{request.UserId}' at the reflection backend."))
                : Task.FromResult(new User { UserId = request.UserId, DisplayName = "reflection backend", Plan = Plan.Pro });

        public override async Task ListUsers(ListUsersRequest request, IServerStreamWriter<User> responseStream, ServerCallContext context)
        {
            for (var i = 1; i <= request.PageSize; i++)
            {
                await responseStream.WriteAsync(new User { UserId = $"u-{i}", Plan = request.Plan });
            }
        }
    }
}
