using Grpc.Core;
using Grpc.Reflection.V1;

namespace MeshProxy.Reflection;

/// <summary><c>grpc.reflection.v1.ServerReflection</c>: each stream is answered by the catalogue current when it opens.</summary>
internal sealed class SidecarReflectionV1(ReflectionCatalog catalog) : ServerReflection.ServerReflectionBase
{
    public override Task ServerReflectionInfo(
        IAsyncStreamReader<ServerReflectionRequest> requestStream,
        IServerStreamWriter<ServerReflectionResponse> responseStream,
        ServerCallContext context) =>
        catalog.Current().V1.ServerReflectionInfo(requestStream, responseStream, context);
}
