namespace MeshProxy.Configuration;

/// <summary>One listening socket.</summary>
/// <param name="Address">An IP address literal (0.0.0.0, ::, 127.0.0.1...).</param>
/// <param name="Port">0-65535; 0 binds an ephemeral port (tests).</param>
internal sealed record ListenerConfig(string Address, int Port);
