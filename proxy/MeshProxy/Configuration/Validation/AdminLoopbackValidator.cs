using System.Net;

namespace MeshProxy.Configuration.Validation;

/// <summary>The admin listener exposes the whole config: it must never be reachable from outside the pod.</summary>
internal sealed class AdminLoopbackValidator : IConfigValidator
{
    public void Validate(MeshProxyConfig config, ConfigErrors errors)
    {
        var address = config.Listeners.Admin.Address;
        if (IPAddress.TryParse(address, out var ip) && !IPAddress.IsLoopback(ip))
        {
            errors.Add("listeners.admin.address", $"'{address}' is not a loopback address; admin must listen on 127.0.0.1 or ::1");
        }
    }
}
