using MeshProxy.Grpc.Framing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MeshProxy.Grpc.Server;

public static class GrpcEndpointRouteBuilderExtensions
{
    internal const string LoggerCategory = "MeshProxy.Grpc.Server";

    /// <summary>Maps each method of the service as a POST endpoint at its full name, "/package.Service/Method".</summary>
    public static IEndpointConventionBuilder MapGrpcService(this IEndpointRouteBuilder endpoints, GrpcServiceDefinition service)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(service);
        var environment = CreateEnvironment(endpoints);
        var builders = new List<IEndpointConventionBuilder>(service.Bindings.Count);
        foreach (var binding in service.Bindings)
        {
            var builder = endpoints.MapPost(binding.FullName, context => binding.HandleAsync(context, environment));
            builder.WithDisplayName("gRPC - " + binding.FullName);
            builders.Add(builder);
        }

        return new CompositeEndpointConventionBuilder(builders);
    }

    /// <summary>
    /// Answers gRPC requests (application/grpc content type) for any path no service maps with UNIMPLEMENTED, as a
    /// Trailers-Only reply. Other requests get 404. Mapped with the lowest precedence.
    /// </summary>
    public static IEndpointConventionBuilder MapGrpcFallback(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var environment = CreateEnvironment(endpoints);
        var builder = endpoints.Map("{**path}", context =>
        {
            if (!GrpcProtocol.IsGrpcContentType(context.Request.ContentType))
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            }

            var path = context.Request.Path.Value ?? string.Empty;
            GrpcServerLog.UnimplementedMethod(environment.Logger, path);
            TrailersOnlyResponse.Set(context.Response, StatusCode.Unimplemented, $"Method {path} is unimplemented.");
            context.Response.Headers[GrpcProtocol.AcceptEncodingHeader] = GrpcCompression.AcceptEncoding;
            return context.Response.CompleteAsync();
        });
        builder.WithDisplayName("gRPC - unimplemented");
        builder.Add(b => ((RouteEndpointBuilder)b).Order = int.MaxValue);
        return builder;
    }

    internal static ServerCallEnvironment CreateEnvironment(IEndpointRouteBuilder endpoints)
    {
        var services = endpoints.ServiceProvider;
        if (services.GetService<GrpcServerMarker>() is null)
        {
            throw new InvalidOperationException(
                "Unable to find the required services. Call services.AddGrpcServer() in the application's service configuration before mapping gRPC services.");
        }

        return new ServerCallEnvironment(
            services.GetRequiredService<IOptions<GrpcServerOptions>>().Value,
            services.GetRequiredService<ILoggerFactory>().CreateLogger(LoggerCategory),
            services.GetRequiredService<TimeProvider>());
    }
}
