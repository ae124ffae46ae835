using System.Text.Json;
using MeshProxy.Configuration;

namespace MeshProxy.Admin;

/// <summary>
/// The security sections of the config dump: <c>tls</c>, a cluster's <c>tls</c>, <c>authorization</c> and <c>jwt</c>.
/// Only what the file says is written (paths and settings); the certificate, key, bundle and JWKS contents are never
/// read here, so no key material can reach the admin listener.
/// </summary>
internal static partial class ConfigJsonWriter
{
    private static void WriteSecurity(Utf8JsonWriter writer, MeshProxyConfig config)
    {
        if (config.Tls is { } tls)
        {
            writer.WriteStartObject("tls");
            writer.WriteString("directory", tls.Directory);
            writer.WriteString("certificateFile", tls.CertificateFile);
            writer.WriteString("keyFile", tls.KeyFile);
            writer.WriteString("bundleFile", tls.BundleFile);
            writer.WriteString("mode", tls.Mode == TlsMode.Permissive ? "permissive" : "strict");
            WriteNullable(writer, "trustDomain", tls.TrustDomain);
            writer.WriteString("pollInterval", Duration.Format(tls.PollInterval));
            writer.WriteString("expiryWarning", Duration.Format(tls.ExpiryWarning));
            writer.WriteString("forwardClientCertHeader", tls.ForwardClientCertHeader);
            writer.WriteEndObject();
        }

        writer.WriteStartObject("authorization");
        writer.WriteStartArray("policies");
        foreach (var policy in config.Authorization)
        {
            WritePolicy(writer, policy);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();

        if (config.Jwt is { } jwt)
        {
            writer.WriteStartObject("jwt");
            writer.WriteString("issuer", jwt.Issuer);
            WriteStrings(writer, "audiences", jwt.Audiences);
            writer.WriteString("jwksFile", jwt.JwksFile);
            writer.WriteBoolean("required", jwt.Required);
            writer.WriteString("clockSkew", Duration.Format(jwt.ClockSkew));
            writer.WriteStartObject("claimHeaders");
            foreach (var (claim, header) in jwt.ClaimHeaders)
            {
                writer.WriteString(claim, header);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }
    }

    private static void WriteClusterTls(Utf8JsonWriter writer, ClusterTlsConfig? tls)
    {
        if (tls is null)
        {
            return;
        }

        writer.WriteStartObject("tls");
        WriteIfSet(writer, "spiffeId", tls.SpiffeId);
        WriteIfSet(writer, "trustDomain", tls.TrustDomain);
        writer.WriteEndObject();
    }

    private static void WritePolicy(Utf8JsonWriter writer, AuthorizationPolicyConfig policy)
    {
        writer.WriteStartObject();
        writer.WriteString("name", policy.Name);
        writer.WriteString("action", policy.Action == AuthorizationAction.Deny ? "DENY" : "ALLOW");
        writer.WriteStartArray("rules");
        foreach (var rule in policy.Rules)
        {
            writer.WriteStartObject();
            writer.WriteStartArray("principals");
            foreach (var principal in rule.Principals)
            {
                writer.WriteStartObject();
                WriteIfSet(writer, "exact", principal.Exact);
                WriteIfSet(writer, "prefix", principal.Prefix);
                WriteIfSet(writer, "glob", principal.Glob);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            WriteStrings(writer, "methods", rule.Methods);
            WriteHeaderMatches(writer, "headers", rule.Headers);
            WriteHeaderMatches(writer, "claims", rule.Claims);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }
}
