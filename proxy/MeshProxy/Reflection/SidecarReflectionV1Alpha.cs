using Grpc.Core;
using Grpc.Reflection.V1Alpha;

namespace MeshProxy.Reflection;

/// <summary><c>grpc.reflection.v1alpha.ServerReflection</c>, for clients older than v1: same catalogue as <see cref="SidecarReflectionV1"/>.</summary>
internal sealed class SidecarReflectionV1Alpha(ReflectionCatalog catalog) : ServerReflection.ServerReflectionBase
{
    public override Task ServerReflectionInfo(
        IAsyncStreamReader<ServerReflectionRequest> requestStream,
        IServerStreamWriter<ServerReflectionResponse> responseStream,
        ServerCallContext context) =>
        catalog.Current().V1Alpha.ServerReflectionInfo(requestStream, responseStream, context);
}
