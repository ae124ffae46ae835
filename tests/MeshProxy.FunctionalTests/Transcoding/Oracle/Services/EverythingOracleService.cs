using Grpc.Core;
using MeshProxy.Testing.V1;

namespace MeshProxy.FunctionalTests.Transcoding.Oracle.Services;

/// <summary>meshproxy.testing.v1.EverythingService: the request back, unchanged.</summary>
internal sealed class EverythingOracleService : EverythingService.EverythingServiceBase
{
    public override Task<Everything> Echo(Everything request, ServerCallContext context)
    {
        OracleEcho.ThrowIfAsked(request.FString);
        return Task.FromResult(request);
    }
}
