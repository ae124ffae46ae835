namespace MeshProxy.Bench.Relay;

/// <summary>How the relay forwards: a pair of connections copied as they come (ConnectionPair), or a layer above Kestrel (KestrelFront).</summary>
internal enum RelayMode
{
    TcpPool,
    Tcp,
    H2,
    H2Pool,
    Kestrel,
    AspNet,
    Lean,
    Invoker,
    Yarp,
}
