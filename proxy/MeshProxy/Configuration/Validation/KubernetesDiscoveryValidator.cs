using System.Globalization;
using System.Text.RegularExpressions;

namespace MeshProxy.Configuration.Validation;

/// <summary>
/// A <c>kubernetes</c> cluster names its Service (a DNS-1035 label), optionally its namespace (a DNS-1123 label), and
/// optionally a port: a port name (an IANA service name: up to 15 lowercase letters, digits and '-') or 1-65535.
/// </summary>
internal sealed partial class KubernetesDiscoveryValidator : IConfigValidator
{
    public void Validate(MeshProxyConfig config, ConfigErrors errors)
    {
        foreach (var cluster in config.Clusters)
        {
            if (cluster.Kubernetes is not { } kubernetes)
            {
                continue;
            }

            var path = $"{ConfigPaths.Cluster(cluster.Name)}.kubernetes";
            if (kubernetes.Service.Length == 0)
            {
                errors.Add($"{path}.service", "is required");
            }
            else if (kubernetes.Service.Length > 63 || !Dns1035Label().IsMatch(kubernetes.Service))
            {
                errors.Add($"{path}.service", $"'{kubernetes.Service}' is not a Service name (lowercase letters, digits and '-', starting with a letter)");
            }

            if (kubernetes.Namespace is { } ns && (ns.Length is 0 or > 63 || !Dns1123Label().IsMatch(ns)))
            {
                errors.Add($"{path}.namespace", $"'{ns}' is not a namespace name (lowercase letters, digits and '-')");
            }

            if (kubernetes.Port is { } port)
            {
                if (int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
                {
                    if (number is < 1 or > 65535)
                    {
                        errors.Add($"{path}.port", "a port number must be from 1 to 65535");
                    }
                }
                else if (port.Length is 0 or > 15 || !PortName().IsMatch(port))
                {
                    errors.Add($"{path}.port", $"'{port}' is neither a port number nor a port name (up to 15 lowercase letters, digits and '-')");
                }
            }
        }
    }

    [GeneratedRegex("^[a-z]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1035Label();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1123Label();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex PortName();
}
