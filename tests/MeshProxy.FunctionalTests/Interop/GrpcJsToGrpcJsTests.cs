namespace MeshProxy.FunctionalTests.Interop;

/// <summary>grpc-js client -> sidecar -> grpc-js server.</summary>
[Collection(InteropCollection.Name)]
public sealed class GrpcJsToGrpcJsTests(InteropStack stack) : GrpcJsClientContractTests(stack, ServerKind.GrpcJs)
{
    protected override bool ServerSendsExceptionText => true;

    protected override bool GrpcJsSeesEveryMessageBeforeAnError => true;
}
