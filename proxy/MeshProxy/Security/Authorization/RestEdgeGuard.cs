using MeshProxy.Configuration;
using MeshProxy.Grpc;
using MeshProxy.Observability;
using MeshProxy.Routing;
using MeshProxy.Transcoding.Rest;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace MeshProxy.Security.Authorization;

/// <summary>
/// The REST listener's gate, run once the HTTP rule is known and before the body is read:
/// 1. with a <c>jwt:</c> section, validate the bearer token (401 and an RFC 6750 challenge when it is bad, or missing
///    while required), replace the caller's copies of the claim headers with the token's values;
/// 2. apply the authorization policies to the gRPC method the call maps to, with the REST request's headers and the
///    token's claims (403 when denied);
/// 3. leave an <see cref="EdgeAdmission"/> so the transcoded gRPC call is not decided twice and carries the claims.
/// Refusals are <c>google.rpc.Status</c> JSON bodies like every REST error.
/// </summary>
internal sealed class RestEdgeGuard(
    ProxySnapshotProvider snapshots,
    JwtAuthenticator authenticator,
    JwksKeySource keys,
    TranscodingPaths paths,
    CallAuthorizer authorizer,
    ILogger<RestEdgeGuard> logger)
{
    /// <summary>True when the REST call may go on as <paramref name="grpcMethod"/>; otherwise the refusal has been written.</summary>
    public async ValueTask<bool> AdmitAsync(HttpContext context, string grpcMethod)
    {
        if (snapshots.Current is not { } snapshot || (snapshot.Config.Jwt is null && snapshot.Authorization is null))
        {
            return true;
        }

        var request = context.Request;
        JwtClaims? claims = null;
        string[] claimHeaderNames = [];
        KeyValuePair<string, string>[] claimHeaders = [];
        if (snapshot.Config.Jwt is { } jwt)
        {
            var outcome = await authenticator.AuthenticateAsync(request.Headers.Authorization, jwt, keys.Follow(paths.Resolve(jwt.JwksFile))).ConfigureAwait(false);
            if (outcome.Error is { } error)
            {
                AuthorizationLog.TokenRefused(logger, request.Method, request.Path.Value ?? string.Empty, error);
                await ChallengeAsync(context, $"Bearer error=\"invalid_token\", error_description=\"{error}\"", $"invalid bearer token: {error}").ConfigureAwait(false);
                return false;
            }

            if (outcome.IsMissing && jwt.Required)
            {
                // RFC 6750 §3.1: a request without credentials gets the bare challenge, no error code.
                await ChallengeAsync(context, "Bearer", "a bearer token is required").ConfigureAwait(false);
                return false;
            }

            claims = outcome.Claims;
            claimHeaderNames = [.. jwt.ClaimHeaders.Select(c => c.Header)];
            claimHeaders = ClaimHeaders(jwt, claims);

            // The policies' header rules see the verified values, never the caller's.
            new EdgeAdmission(claims, claimHeaderNames, claimHeaders).ApplyTo(request.Headers);
        }

        if (snapshot.Authorization is { } policies)
        {
            var decision = authorizer.Decide(policies, context, grpcMethod, claims);
            if (!decision.Allowed)
            {
                await RestErrorResponse.WriteAsync(context, StatusCodes.Status403Forbidden, StatusCode.PermissionDenied, decision.Message, details: null, pool: null).ConfigureAwait(false);
                return false;
            }
        }

        context.Features.Set(new EdgeAdmission(claims, claimHeaderNames, claimHeaders));
        return true;
    }

    private static Task ChallengeAsync(HttpContext context, string challenge, string message)
    {
        context.Response.Headers[HeaderNames.WWWAuthenticate] = challenge;
        return RestErrorResponse.WriteAsync(context, StatusCodes.Status401Unauthorized, StatusCode.Unauthenticated, message, details: null, pool: null);
    }

    private KeyValuePair<string, string>[] ClaimHeaders(JwtConfig jwt, JwtClaims? claims)
    {
        if (claims is null || jwt.ClaimHeaders.Count == 0)
        {
            return [];
        }

        var headers = new List<KeyValuePair<string, string>>(jwt.ClaimHeaders.Count);
        foreach (var (claim, header) in jwt.ClaimHeaders)
        {
            var value = string.Join(',', claims.Values(claim));
            if (value.Length == 0)
            {
                continue;
            }

            // gRPC metadata values are printable ASCII (PROTOCOL-HTTP2.md, ASCII-Value); anything else is not sent.
            if (value.AsSpan().ContainsAnyExceptInRange((char)0x20, (char)0x7E))
            {
                AuthorizationLog.ClaimHeaderSkipped(logger, claim, header);
                continue;
            }

            headers.Add(new(header, value));
        }

        return [.. headers];
    }
}
