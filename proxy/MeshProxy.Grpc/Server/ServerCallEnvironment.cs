using Microsoft.Extensions.Logging;

namespace MeshProxy.Grpc.Server;

/// <summary>What every call of the process shares, resolved once when services are mapped.</summary>
internal sealed record ServerCallEnvironment(GrpcServerOptions Options, ILogger Logger, TimeProvider TimeProvider);
