using System.Net;

namespace MeshProxy.Configuration.Validation;

/// <summary>Listener addresses are IP literals (Kestrel binds sockets, not host names).</summary>
internal sealed class ListenerAddressValidator : IConfigValidator
{
    public void Validate(MeshProxyConfig config, ConfigErrors errors)
    {
        foreach (var (name, listener) in ConfigPaths.Listeners(config.Listeners))
        {
            if (!IPAddress.TryParse(listener.Address, out _))
            {
                errors.Add($"{ConfigPaths.Listener(name)}.address", $"'{listener.Address}' is not an IP address");
            }
        }
    }
}
