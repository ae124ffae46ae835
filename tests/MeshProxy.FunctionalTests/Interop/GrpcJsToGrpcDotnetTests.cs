namespace MeshProxy.FunctionalTests.Interop;

/// <summary>grpc-js client -> sidecar -> grpc-dotnet server.</summary>
[Collection(InteropCollection.Name)]
public sealed class GrpcJsToGrpcDotnetTests(InteropStack stack) : GrpcJsClientContractTests(stack, ServerKind.GrpcDotnet)
{
    protected override bool ServerSendsExceptionText => false;

    protected override bool GrpcJsSeesEveryMessageBeforeAnError => false;
}
