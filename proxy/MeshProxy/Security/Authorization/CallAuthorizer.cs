using MeshProxy.Grpc;
using MeshProxy.Observability;
using MeshProxy.Observability.Metrics;
using MeshProxy.Routing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace MeshProxy.Security.Authorization;

/// <summary>
/// Applies the live authorization policies to gRPC calls, and decides for the REST edge (<see cref="RestEdgeGuard"/>).
/// A config without policies costs a null check and a feature lookup per call: nothing is allocated or counted. A refused gRPC call gets PERMISSION_DENIED as Trailers-Only, naming the policy and rule.
/// </summary>
internal sealed class CallAuthorizer(AuthorizationMetrics metrics, ILogger<CallAuthorizer> logger)
{
    /// <summary>
    /// True when the gRPC call on <paramref name="context"/> may go on; otherwise the refusal has been written. A
    /// transcoded call was decided at the REST edge already and only gets its claim headers here.
    /// </summary>
    public ValueTask<bool> AuthorizeAsync(HttpContext context, ProxySnapshot snapshot)
    {
        if (context.Features.Get<EdgeAdmission>() is { } admitted)
        {
            admitted.ApplyTo(context.Request.Headers);
            return ValueTask.FromResult(true);
        }

        if (snapshot.Authorization is not { } policies)
        {
            return ValueTask.FromResult(true);
        }

        var decision = Decide(policies, context, context.Request.Path.Value ?? string.Empty, claims: null);
        return decision.Allowed ? ValueTask.FromResult(true) : DenyAsync(context, decision);
    }

    /// <summary>Evaluates, counts and logs one decision; <paramref name="method"/> is the gRPC method the call maps to.</summary>
    public AuthorizationDecision Decide(AuthorizationPolicySet policies, HttpContext context, string method, JwtClaims? claims)
    {
        // The mTLS listener worked the caller's SPIFFE ID out once per connection, at the handshake.
        var principal = CallerIdentity.Of(context)?.SpiffeId;
        var decision = policies.Evaluate(new AuthorizationRequest(principal, method, context.Request.Headers, claims));
        metrics.Record(decision);
        if (!decision.Allowed)
        {
            var caller = principal ?? "an anonymous caller";
            AuthorizationLog.CallDenied(logger, method, claims is { Principal.Length: > 0 } ? $"{caller} ({claims.Principal})" : caller, decision.Message);
        }

        return decision;
    }

    private static async ValueTask<bool> DenyAsync(HttpContext context, AuthorizationDecision decision)
    {
        await TrailersOnlyResponse.WriteAsync(context.Response, StatusCode.PermissionDenied, decision.Message).ConfigureAwait(false);
        return false;
    }
}
