using System.Collections.Immutable;
using YamlDotNet.RepresentationModel;

namespace MeshProxy.Configuration;

/// <summary>
/// Reads the <c>authorization:</c> and <c>jwt:</c> sections key by key (see <see cref="AuthorizationPolicyConfig"/> and
/// <see cref="JwtConfig"/> for each option).
/// </summary>
internal static class AuthorizationConfigReader
{
    public static EquatableArray<AuthorizationPolicyConfig> ReadPolicies(YamlMapping root, ConfigErrors errors)
    {
        var map = YamlMapping.From(root.Node("authorization"), root.Child("authorization"), errors);
        var policies = map.Sequence("policies").Select(p => ReadPolicy(p.Node, p.Path, errors)).ToImmutableArray();
        map.ReportUnknownKeys();
        return new(policies);
    }

    /// <summary>The <c>jwt:</c> section, or null when the file has none.</summary>
    public static JwtConfig? ReadJwt(YamlMapping root, ConfigErrors errors)
    {
        if (!root.Has("jwt"))
        {
            root.Node("jwt");
            return null;
        }

        var map = YamlMapping.From(root.Node("jwt"), root.Child("jwt"), errors);
        var defaults = new JwtConfig();
        var claimHeaders = map.NamedEntries("claimHeaders").Select(e => new ClaimHeaderConfig(e.Name, Scalar(e.Node, e.Path, errors) ?? string.Empty));
        var result = new JwtConfig
        {
            Issuer = map.String("issuer") ?? string.Empty,
            Audiences = Strings(map, "audiences", errors),
            JwksFile = map.String("jwksFile") ?? string.Empty,
            Required = map.Bool("required") ?? defaults.Required,
            ClockSkew = map.Duration("clockSkew") ?? defaults.ClockSkew,
            ClaimHeaders = new([.. claimHeaders]),
        };
        map.ReportUnknownKeys();
        return result;
    }

    private static AuthorizationPolicyConfig ReadPolicy(YamlNode node, string path, ConfigErrors errors)
    {
        var map = YamlMapping.From(node, path, errors);
        AuthorizationAction? action = null;
        switch (map.String("action"))
        {
            case null:
                break;
            case "ALLOW":
                action = AuthorizationAction.Allow;
                break;
            case "DENY":
                action = AuthorizationAction.Deny;
                break;
            case var other:
                // The load fails on this error; DENY stands in so that "is required" is not reported as well.
                errors.Add(map.Child("action"), $"expected ALLOW or DENY, found '{other}'");
                action = AuthorizationAction.Deny;
                break;
        }

        var result = new AuthorizationPolicyConfig(
            map.String("name") ?? string.Empty,
            action,
            new(map.Sequence("rules").Select(r => ReadRule(r.Node, r.Path, errors)).ToImmutableArray()));
        map.ReportUnknownKeys();
        return result;
    }

    private static AuthorizationRuleConfig ReadRule(YamlNode node, string path, ConfigErrors errors)
    {
        var map = YamlMapping.From(node, path, errors);
        var result = new AuthorizationRuleConfig(
            new(map.Sequence("principals").Select(p => ReadPrincipal(p.Node, p.Path, errors)).ToImmutableArray()),
            Strings(map, "methods", errors),
            new(map.Sequence("headers").Select(h => ConfigLoader.ReadHeader(h.Node, h.Path, errors)).ToImmutableArray()),
            new(map.Sequence("claims").Select(c => ConfigLoader.ReadHeader(c.Node, c.Path, errors)).ToImmutableArray()));
        map.ReportUnknownKeys();
        return result;
    }

    private static PrincipalMatchConfig ReadPrincipal(YamlNode node, string path, ConfigErrors errors)
    {
        var map = YamlMapping.From(node, path, errors);
        var result = new PrincipalMatchConfig(map.String("exact"), map.String("prefix"), map.String("glob"));
        map.ReportUnknownKeys();
        return result;
    }

    private static EquatableArray<string> Strings(YamlMapping map, string key, ConfigErrors errors) =>
        new([.. map.Sequence(key).Select(item => Scalar(item.Node, item.Path, errors)).OfType<string>()]);

    private static string? Scalar(YamlNode? node, string path, ConfigErrors errors)
    {
        if (node is YamlScalarNode { Value: { } text })
        {
            return text;
        }

        errors.Add(path, "expected a string");
        return null;
    }
}
