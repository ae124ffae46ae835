namespace MeshProxy.Configuration;

/// <summary>The four listeners of the sidecar.</summary>
/// <param name="Grpc">gRPC over h2c (prior knowledge). Default 0.0.0.0:7070.</param>
/// <param name="Rest">REST/JSON over HTTP/1.1. Default 0.0.0.0:8080.</param>
/// <param name="Ops">Liveness and readiness probes. Default 0.0.0.0:9901.</param>
/// <param name="Admin">Config dump and later metrics; must be loopback. Default 127.0.0.1:9900.</param>
internal sealed record ListenersConfig(ListenerConfig Grpc, ListenerConfig Rest, ListenerConfig Ops, ListenerConfig Admin)
{
    /// <summary>The inbound mTLS listener for mesh traffic (gRPC over TLS, ALPN h2); bound only with a <c>tls:</c> section. Default 0.0.0.0:7443 then.</summary>
    public ListenerConfig? Mtls { get; init; }

    public static ListenersConfig Default { get; } = new(
        new ListenerConfig("0.0.0.0", 7070),
        new ListenerConfig("0.0.0.0", 8080),
        new ListenerConfig("0.0.0.0", 9901),
        new ListenerConfig("127.0.0.1", 9900));
}
