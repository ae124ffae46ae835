namespace MeshProxy.Grpc.Client;

/// <summary>The state every call object exposes, whatever its kind.</summary>
internal interface IClientCall : IDisposable
{
    Task<Metadata> ResponseHeadersAsync { get; }

    Status GetStatus();

    Metadata GetTrailers();
}
