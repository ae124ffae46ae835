namespace MeshProxy.FunctionalTests.Interop;

/// <summary>grpc-dotnet client -> sidecar -> grpc-dotnet server.</summary>
[Collection(InteropCollection.Name)]
public sealed class GrpcDotnetToGrpcDotnetTests(InteropStack stack) : GrpcDotnetClientContractTests(stack, ServerKind.GrpcDotnet)
{
    protected override bool ServerSendsExceptionText => false;
}
