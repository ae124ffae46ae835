using Microsoft.AspNetCore.Http;

namespace MeshProxy.Admin;

/// <summary>
/// <c>GET /</c> on the admin listener: one static HTML page (an embedded resource, nothing from a CDN) that shows the
/// routes, clusters, destinations, ejections and reload state by polling <c>/config</c> and <c>/clusters</c>. Read-only:
/// it sends nothing but those GETs, so the page cannot change the sidecar.
/// </summary>
internal static class AdminPage
{
    private const string ResourceName = "MeshProxy.Admin.AdminPage.html";

    // The page's script and style are inline; it may fetch from its own origin and nothing else.
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static readonly Lazy<byte[]> Html = new(Load);

    public static Task WriteAsync(HttpContext context)
    {
        var response = context.Response;
        response.ContentType = "text/html; charset=utf-8";
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.CacheControl = "no-cache";
        response.ContentLength = Html.Value.Length;
        return response.Body.WriteAsync(Html.Value, context.RequestAborted).AsTask();
    }

    private static byte[] Load()
    {
        using var stream = typeof(AdminPage).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The embedded resource {ResourceName} is missing from the build.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
