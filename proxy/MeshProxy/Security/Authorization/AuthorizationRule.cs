using MeshProxy.Configuration;
using MeshProxy.Routing;

namespace MeshProxy.Security.Authorization;

/// <summary>One compiled rule: principals OR'd, methods OR'd, every header and claim condition AND'd; an empty list is not checked.</summary>
internal sealed class AuthorizationRule
{
    private readonly SpiffeIdPattern[] _principals;
    private readonly string[] _methods;
    private readonly string[] _services;
    private readonly HeaderMatcher[] _headers;
    private readonly ClaimMatcher[] _claims;

    public AuthorizationRule(AuthorizationRuleConfig config)
    {
        _principals = [.. config.Principals.Select(p => new SpiffeIdPattern(p))];

        // "/pkg.Svc/*" matches by its "/pkg.Svc/" prefix; anything else is an exact :path.
        _methods = [.. config.Methods.Where(m => !GrpcMethodPath.IsServiceWildcard(m))];
        _services = [.. config.Methods.Where(GrpcMethodPath.IsServiceWildcard).Select(m => m[..^1])];
        _headers = [.. config.Headers.Select(h => new HeaderMatcher(h))];
        _claims = [.. config.Claims.Select(c => new ClaimMatcher(c))];
    }

    public bool IsMatch(in AuthorizationRequest request)
    {
        if (_principals.Length > 0 && !MatchesPrincipal(request.Principal))
        {
            return false;
        }

        if ((_methods.Length > 0 || _services.Length > 0) && !MatchesMethod(request.Method))
        {
            return false;
        }

        foreach (var header in _headers)
        {
            if (!header.IsMatch(request.Headers))
            {
                return false;
            }
        }

        foreach (var claim in _claims)
        {
            if (!claim.IsMatch(request.Claims))
            {
                return false;
            }
        }

        return true;
    }

    private bool MatchesPrincipal(string? principal)
    {
        if (principal is null)
        {
            return false;
        }

        foreach (var pattern in _principals)
        {
            if (pattern.IsMatch(principal))
            {
                return true;
            }
        }

        return false;
    }

    private bool MatchesMethod(string method)
    {
        foreach (var exact in _methods)
        {
            if (string.Equals(method, exact, StringComparison.Ordinal))
            {
                return true;
            }
        }

        foreach (var service in _services)
        {
            // The rest must be one method name: "/pkg.Svc/" followed by a segment without '/'.
            if (method.StartsWith(service, StringComparison.Ordinal) && method.Length > service.Length && method.IndexOf('/', service.Length) < 0)
            {
                return true;
            }
        }

        return false;
    }
}
