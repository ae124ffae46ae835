using Microsoft.AspNetCore.Http;

namespace MeshProxy.Security.Authorization;

/// <summary>Who called, for the access log and the server span: the mTLS SPIFFE ID and the JWT's <c>iss/sub</c>, each null when absent.</summary>
internal readonly record struct AuthenticatedCaller(string? SpiffeId, string? RequestPrincipal)
{
    public static AuthenticatedCaller Of(HttpContext context) => new(
        CallerIdentity.Of(context)?.SpiffeId,
        context.Features.Get<EdgeAdmission>()?.Claims?.Principal);
}
