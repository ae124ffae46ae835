namespace MeshProxy.Grpc.Server;

/// <summary>Registered by AddGrpcServer so that mapping without it fails with a clear message.</summary>
internal sealed class GrpcServerMarker;
