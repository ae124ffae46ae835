using MeshProxy.TrafficPolicy.Retries;

namespace MeshProxy.TrafficPolicy;

/// <summary>
/// A cluster's invoker (<see cref="ClusterClientFactory"/>): its <see cref="RetryHandler"/> in front of the cluster's
/// HTTP/2 handler. A call's tries go through <see cref="Retries"/> from the call itself (<see cref="ProxyCall"/> is the
/// invoker the forwarder sends with); what is sent through this invoker (a retry that moved to another cluster) passes the
/// retry handler straight through.
/// </summary>
internal sealed class ClusterClient(RetryHandler retries) : HttpMessageInvoker(retries, disposeHandler: true)
{
    public RetryHandler Retries { get; } = retries;
}
