namespace MeshProxy.Hosting;

/// <summary>Which listener a connection arrived on; set per connection by <see cref="ListenerTagging"/>.</summary>
internal enum ListenerName
{
    Grpc,
    Rest,
    Ops,
    Admin,
}
