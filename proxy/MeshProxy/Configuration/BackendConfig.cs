namespace MeshProxy.Configuration;

/// <summary>One weighted target of a route.</summary>
/// <param name="Cluster">Name of a cluster under <c>clusters:</c>.</param>
/// <param name="Weight">Relative share of calls, an integer >= 0. Default 100.</param>
internal sealed record BackendConfig(string Cluster, int Weight)
{
    public const int DefaultWeight = 100;
}
