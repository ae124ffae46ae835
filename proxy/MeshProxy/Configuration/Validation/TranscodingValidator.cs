namespace MeshProxy.Configuration.Validation;

/// <summary>
/// The <c>transcoding:</c> section's own rules: at least one descriptor set, a positive body limit, header names that
/// are lowercase tokens. Whether the descriptor files load and their rules build is checked when they are applied
/// (they live outside the config file and change on their own).
/// </summary>
internal sealed class TranscodingValidator : IConfigValidator
{
    public void Validate(MeshProxyConfig config, ConfigErrors errors)
    {
        if (config.Transcoding is not { } transcoding)
        {
            return;
        }

        const string Path = "transcoding";
        if (transcoding.DescriptorSets.Count == 0)
        {
            errors.Add($"{Path}.descriptorSets", "give at least one descriptor set file (or 'builtin')");
        }

        for (var i = 0; i < transcoding.DescriptorSets.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(transcoding.DescriptorSets[i]))
            {
                errors.Add($"{Path}.descriptorSets[{i}]", "is empty");
            }
        }

        for (var i = 0; i < transcoding.Services.Count; i++)
        {
            var name = transcoding.Services[i];
            if (name.Length == 0 || name.StartsWith('.') || name.Contains('/', StringComparison.Ordinal))
            {
                errors.Add($"{Path}.services[{i}]", $"'{name}' is not a full service name such as users.v1.UserService");
            }
        }

        if (transcoding.MaxRequestBodyBytes <= 0)
        {
            errors.Add($"{Path}.maxRequestBodyBytes", "must be greater than 0");
        }

        for (var i = 0; i < transcoding.ForwardedHeaderPrefixes.Count; i++)
        {
            if (!IsHeaderToken(transcoding.ForwardedHeaderPrefixes[i]))
            {
                errors.Add($"{Path}.forwardedHeaderPrefixes[{i}]", $"'{transcoding.ForwardedHeaderPrefixes[i]}' is not a lowercase header name prefix (0-9, a-z, '-', '_', '.')");
            }
            else if (transcoding.ForwardedHeaderPrefixes[i].StartsWith("grpc-", StringComparison.Ordinal))
            {
                // Every grpc-* header is the protocol's own and is never forwarded, so such a prefix would silently match
                // nothing (issue 12). Grpc-Metadata-<name> headers are always forwarded, as metadata <name>.
                errors.Add($"{Path}.forwardedHeaderPrefixes[{i}]", $"'{transcoding.ForwardedHeaderPrefixes[i]}' can never match: grpc-* headers are gRPC's own and never forwarded (Grpc-Metadata-<name> headers always are, as metadata <name>)");
            }
        }

        if (!IsHeaderToken(transcoding.ResponseMetadataPrefix))
        {
            errors.Add($"{Path}.responseMetadataPrefix", $"'{transcoding.ResponseMetadataPrefix}' is not a lowercase header name prefix (0-9, a-z, '-', '_', '.')");
        }
    }

    // gRPC metadata keys (PROTOCOL-HTTP2.md, Header-Name): the prefix must keep forwarded names valid keys.
    private static bool IsHeaderToken(string value) =>
        value.Length > 0 && value.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'z') or '-' or '_' or '.');
}
