using System.Globalization;
using System.Net;
using MeshProxy.Configuration;
using MeshProxy.Discovery.Kube;

namespace MeshProxy.Discovery;

/// <summary>
/// Turns a Service's EndpointSlices into destinations (discovery.k8s.io/v1, "EndpointSlices" in the Kubernetes
/// docs): every endpoint whose <c>conditions.ready</c> is true or unset (unset means ready) is one destination at its
/// first address and the chosen port; endpoints that are not ready (serving-but-terminating ones included) are left
/// out, so they take no new calls while the calls they have finish. FQDN slices are skipped; an address in two slices
/// (during slice churn) counts once.
/// </summary>
internal static class EndpointSliceDestinations
{
    /// <summary>The destinations, sorted by name, and how many endpoints are terminating but still serving.</summary>
    public static (IReadOnlyList<DestinationConfig> Ready, int Terminating) From(IEnumerable<EndpointSlice> slices, string? port)
    {
        var ready = new Dictionary<string, DestinationConfig>(StringComparer.Ordinal);
        var terminating = 0;
        foreach (var slice in slices)
        {
            if (slice.AddressType is not ("IPv4" or "IPv6") || PortOf(slice, port) is not { } number)
            {
                continue;
            }

            foreach (var endpoint in slice.Endpoints ?? [])
            {
                if (endpoint.Addresses is not { Count: > 0 } addresses || !IPAddress.TryParse(addresses[0], out var ip))
                {
                    continue;
                }

                if (endpoint.Conditions?.Ready == false)
                {
                    terminating += endpoint.Conditions.Serving == true && endpoint.Conditions.Terminating == true ? 1 : 0;
                    continue;
                }

                var address = new IPEndPoint(ip, number).ToString();
                var name = endpoint.TargetRef?.Name is { Length: > 0 } pod ? pod : address;
                ready.TryAdd("http://" + address, new DestinationConfig(name, "http://" + address));
            }
        }

        return ([.. ready.Values.OrderBy(d => d.Name, StringComparer.Ordinal).ThenBy(d => d.Address, StringComparer.Ordinal)], terminating);
    }

    // A port name picks the slice port of that name; a number is the pods' port (slices list target ports); none
    // takes the slice's only port.
    private static int? PortOf(EndpointSlice slice, string? port)
    {
        var ports = slice.Ports ?? [];
        if (port is null)
        {
            return ports.Count == 1 ? ports[0].Port : null;
        }

        if (int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            return number;
        }

        foreach (var candidate in ports)
        {
            if (candidate.Name == port)
            {
                return candidate.Port;
            }
        }

        return null;
    }
}
