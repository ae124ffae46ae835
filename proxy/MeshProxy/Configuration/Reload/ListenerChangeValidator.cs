namespace MeshProxy.Configuration.Reload;

/// <summary>
/// Listeners are bound sockets: a reload cannot move them. An edit that changes one is refused as a whole, so the
/// live config is always exactly one file's content and never a mix.
/// </summary>
internal static class ListenerChangeValidator
{
    public static void Validate(ListenersConfig live, ListenersConfig next, ConfigErrors errors)
    {
        Compare("grpc", live.Grpc, next.Grpc, errors);
        Compare("rest", live.Rest, next.Rest, errors);
        Compare("ops", live.Ops, next.Ops, errors);
        Compare("admin", live.Admin, next.Admin, errors);
        if (live.Mtls is not null || next.Mtls is not null)
        {
            Compare("mtls", live.Mtls ?? NotBound, next.Mtls ?? NotBound, errors);
        }
    }

    private static readonly ListenerConfig NotBound = new("(none)", -1);

    private static void Compare(string name, ListenerConfig live, ListenerConfig next, ConfigErrors errors)
    {
        if (!string.Equals(live.Address, next.Address, StringComparison.Ordinal))
        {
            errors.Add($"listeners.{name}.address", $"changing a listener needs a restart (live: {live.Address}, file: {next.Address})");
        }

        if (live.Port != next.Port)
        {
            errors.Add($"listeners.{name}.port", $"changing a listener needs a restart (live: {live.Port}, file: {next.Port})");
        }
    }
}
