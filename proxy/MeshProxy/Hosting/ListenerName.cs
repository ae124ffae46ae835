namespace MeshProxy.Hosting;

/// <summary>Which listener a connection arrived on; set per connection by <see cref="ListenerTagging"/>.</summary>
internal enum ListenerName
{
    Grpc,
    Rest,
    Ops,
    Admin,

    /// <summary>The inbound mTLS listener for mesh traffic (gRPC over TLS), bound only with a <c>tls:</c> section.</summary>
    Mtls,
}
