namespace MeshProxy.Configuration.Validation;

/// <summary>The paths validators use in their messages; they mirror the YAML keys.</summary>
internal static class ConfigPaths
{
    public static string Route(int index) => $"routes[{index}]";

    public static string Match(int index) => $"routes[{index}].match";

    public static string Header(int route, int header) => $"routes[{route}].match.headers[{header}]";

    public static string Backend(int route, int backend, bool shorthand) =>
        shorthand ? $"routes[{route}].cluster" : $"routes[{route}].backends[{backend}]";

    public static string Cluster(string name) => $"clusters.{name}";

    public static string Listener(string name) => $"listeners.{name}";

    public static IEnumerable<(string Name, ListenerConfig Listener)> Listeners(ListenersConfig listeners) =>
    [
        ("grpc", listeners.Grpc),
        ("rest", listeners.Rest),
        ("ops", listeners.Ops),
        ("admin", listeners.Admin),
        .. listeners.Mtls is { } mtls ? [("mtls", mtls)] : Array.Empty<(string, ListenerConfig)>(),
    ];
}
