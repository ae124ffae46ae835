using Microsoft.AspNetCore.Http;

namespace MeshProxy.Security.Authorization;

/// <summary>What a policy looks at in one call.</summary>
/// <param name="Principal">The caller's verified SPIFFE ID; null on cleartext or without a client certificate.</param>
/// <param name="Method">The gRPC :path, <c>/package.Service/Method</c> (a REST call's is the method it maps to).</param>
/// <param name="Headers">The request headers the caller sent.</param>
/// <param name="Claims">The claims of the caller's validated JWT; null without one.</param>
internal readonly record struct AuthorizationRequest(string? Principal, string Method, IHeaderDictionary Headers, JwtClaims? Claims);
