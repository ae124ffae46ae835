using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Scalar.AspNetCore;

namespace MeshProxy.Transcoding.Rest;

/// <summary>
/// <c>GET /docs</c> on the REST listener: Scalar's API reference over the live OpenAPI document
/// (<see cref="RestTranscodingEndpoint.OpenApiPath"/>), with its "try it" client aimed at this listener. Scalar.AspNetCore
/// serves its script bundle from the copy embedded in its own assembly, never from a CDN; its web fonts, telemetry,
/// agent/MCP features and developer toolbar are off, since they would call out to hosts the machines running a sidecar may
/// not reach.
/// </summary>
/// <remarks>
/// The REST listener has no endpoint routing (one catch-all delegate matches the google.api.http rules), so Scalar's
/// endpoints live in a branch pipeline of their own that only <see cref="Handles"/> requests reach, as the local gRPC
/// services do. A REST rule whose path starts with <c>/docs</c> is shadowed by the page.
/// </remarks>
internal static class ApiDocsPage
{
    /// <summary>Where the page is served; Scalar's assets sit under it.</summary>
    public const string Path = "/docs";

    public static bool Handles(HttpRequest request) =>
        request.Path.Value is { } path
        && (path == Path || path.StartsWith(Path + "/", StringComparison.Ordinal));

    public static RequestDelegate Build(IApplicationBuilder app)
    {
        var branch = app.New();
        branch.UseRouting();
        branch.UseEndpoints(endpoints => endpoints.MapScalarApiReference(Path, (options, context) =>
        {
            options.WithTitle("MeshProxy REST API")
                .WithOpenApiRoutePattern(RestTranscodingEndpoint.OpenApiPath)
                .DisableDefaultFonts()
                .DisableTelemetry()
                .DisableAgent()
                .DisableMcp()
                .HideDeveloperTools();

            // "Try it" sends to the listener the browser reached, whatever address or port a test or the demo gave it.
            options.Servers?.Clear();
            options.AddServer(new ScalarServer($"{context.Request.Scheme}://{context.Request.Host}", "this sidecar"));
        }));
        return branch.Build();
    }
}
