namespace MeshProxy.Configuration.Validation;

/// <summary>Ports are 0-65535 (0 = ephemeral), and two listeners never share a fixed port.</summary>
internal sealed class ListenerPortValidator : IConfigValidator
{
    public void Validate(MeshProxyConfig config, ConfigErrors errors)
    {
        var owners = new Dictionary<int, string>();
        foreach (var (name, listener) in ConfigPaths.Listeners(config.Listeners))
        {
            var path = $"{ConfigPaths.Listener(name)}.port";
            if (listener.Port is < 0 or > 65535)
            {
                errors.Add(path, $"{listener.Port} is outside 0-65535");
            }
            else if (listener.Port != 0 && !owners.TryAdd(listener.Port, name))
            {
                errors.Add(path, $"port {listener.Port} is already used by listeners.{owners[listener.Port]}");
            }
        }
    }
}
