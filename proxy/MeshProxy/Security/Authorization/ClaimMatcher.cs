using MeshProxy.Configuration;
using MeshProxy.Routing;

namespace MeshProxy.Security.Authorization;

/// <summary>
/// One compiled claim condition, with the conditions of header matching: <c>exact</c>, <c>prefix</c> or <c>regex</c>
/// hold when any value of the claim satisfies them (a <c>groups</c> array matches when one group does); <c>present</c>
/// tests whether the token has the claim. A call without a token has no claims.
/// </summary>
internal sealed class ClaimMatcher(HeaderMatchConfig config)
{
    private readonly string _name = config.Name;
    private readonly HeaderMatcher _condition = new(config);

    public bool IsMatch(JwtClaims? claims)
    {
        var values = claims?.Values(_name) ?? [];
        if (_condition.Present is { } present)
        {
            return present == values.Any();
        }

        foreach (var value in values)
        {
            if (_condition.IsValueMatch(value))
            {
                return true;
            }
        }

        return false;
    }
}
