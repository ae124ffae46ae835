namespace MeshProxy.Observability.Metrics;

/// <summary>The <c>protocol</c> label: how the caller spoke to the sidecar.</summary>
internal enum CallProtocol
{
    /// <summary>A gRPC call on the gRPC listener (label <c>grpc</c>).</summary>
    Grpc,

    /// <summary>A REST call on the REST listener, transcoded to gRPC (label <c>rest</c>).</summary>
    Rest,
}
