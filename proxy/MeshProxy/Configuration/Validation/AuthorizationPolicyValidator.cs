using MeshProxy.Routing;
using MeshProxy.Security;
using MeshProxy.Security.Authorization;

namespace MeshProxy.Configuration.Validation;

/// <summary>
/// The <c>authorization:</c> section: unique valid policy names, an action, at least one rule, and every condition
/// well formed (SPIFFE ID patterns, gRPC method patterns, header and claim matchers with one condition each).
/// </summary>
internal sealed class AuthorizationPolicyValidator : IConfigValidator
{
    public void Validate(MeshProxyConfig config, ConfigErrors errors)
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var p = 0; p < config.Authorization.Count; p++)
        {
            var policy = config.Authorization[p];
            var path = $"authorization.policies[{p}]";
            if (policy.Name.Length == 0)
            {
                errors.Add($"{path}.name", "is required");
            }
            else if (!NameSyntax.IsValid(policy.Name))
            {
                errors.Add($"{path}.name", $"'{policy.Name}' must be lowercase letters, digits, '-', '_' or '.'");
            }
            else if (!names.Add(policy.Name))
            {
                errors.Add($"{path}.name", $"duplicate policy name '{policy.Name}'");
            }

            if (policy.Action is null)
            {
                errors.Add($"{path}.action", "is required: ALLOW or DENY");
            }

            if (policy.Rules.Count == 0)
            {
                errors.Add($"{path}.rules", "give at least one rule (a rule with no condition, {}, matches every call)");
            }

            for (var r = 0; r < policy.Rules.Count; r++)
            {
                CheckRule(policy.Rules[r], $"{path}.rules[{r}]", errors);
            }
        }
    }

    private static void CheckRule(AuthorizationRuleConfig rule, string path, ConfigErrors errors)
    {
        for (var i = 0; i < rule.Principals.Count; i++)
        {
            CheckPrincipal(rule.Principals[i], $"{path}.principals[{i}]", errors);
        }

        for (var i = 0; i < rule.Methods.Count; i++)
        {
            if (!GrpcMethodPath.IsValidPattern(rule.Methods[i]))
            {
                errors.Add($"{path}.methods[{i}]", $"'{rule.Methods[i]}' is not /package.Service/Method or /package.Service/*");
            }
        }

        for (var i = 0; i < rule.Headers.Count; i++)
        {
            HeaderMatcherValidator.Check(rule.Headers[i], $"{path}.headers[{i}]", errors);
            RegexValidator.Check(rule.Headers[i].Regex, $"{path}.headers[{i}].regex", errors);
        }

        for (var i = 0; i < rule.Claims.Count; i++)
        {
            var claim = rule.Claims[i];
            if (claim.Name.Length == 0)
            {
                errors.Add($"{path}.claims[{i}].name", "is required");
            }

            HeaderMatcherValidator.CheckCondition(claim, $"{path}.claims[{i}]", errors);
            RegexValidator.Check(claim.Regex, $"{path}.claims[{i}].regex", errors);
        }
    }

    private static void CheckPrincipal(PrincipalMatchConfig principal, string path, ConfigErrors errors)
    {
        if (principal.FormCount != 1)
        {
            errors.Add(path, principal.FormCount == 0 ? "one of 'exact', 'prefix' or 'glob' is required" : "give exactly one of 'exact', 'prefix' or 'glob'");
            return;
        }

        if (principal.Exact is { } exact && !SpiffeId.IsValid(exact, out var error))
        {
            errors.Add($"{path}.exact", error);
        }
        else if (principal.Prefix is { } prefix && !prefix.StartsWith("spiffe://", StringComparison.Ordinal))
        {
            errors.Add($"{path}.prefix", $"'{prefix}' must start with spiffe://");
        }
        else if (principal.Glob is { } glob && !SpiffeIdPattern.IsValidGlob(glob))
        {
            errors.Add($"{path}.glob", $"'{glob}' is not a SPIFFE ID in which whole segments may be '*' (spiffe://example.org/ns/*/sa/web), nor '*'");
        }
    }
}
