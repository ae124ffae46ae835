namespace MeshProxy.FunctionalTests.Interop;

/// <summary>grpc-dotnet client -> sidecar -> grpc-js server.</summary>
[Collection(InteropCollection.Name)]
public sealed class GrpcDotnetToGrpcJsTests(InteropStack stack) : GrpcDotnetClientContractTests(stack, ServerKind.GrpcJs)
{
    protected override bool ServerSendsExceptionText => true;
}
