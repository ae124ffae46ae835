using System.Diagnostics;
using MeshProxy.Observability.Metrics;

namespace MeshProxy.Observability.Tracing;

/// <summary>The one ActivitySource of the sidecar: a server span per gRPC call, a client span per upstream attempt.</summary>
internal static class MeshProxyActivitySource
{
    public const string Name = "MeshProxy";

    public static readonly ActivitySource Instance = new(Name, MeshProxyMetrics.BuildVersion);
}
