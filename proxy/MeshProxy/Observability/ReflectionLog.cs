using Microsoft.Extensions.Logging;

namespace MeshProxy.Observability;

/// <summary>gRPC server reflection events, ids 2400-2499.</summary>
internal static partial class ReflectionLog
{
    [LoggerMessage(EventId = 2400, EventName = "ReflectionCatalogBuilt", Level = LogLevel.Debug, Message = "Server reflection: {Services} service(s) from {Files} file(s).")]
    public static partial void CatalogBuilt(ILogger logger, int services, int files);

    [LoggerMessage(EventId = 2401, EventName = "ReflectionDescriptorSetsRefused", Level = LogLevel.Error, Message = "Server reflection refused a call: {Reason}")]
    public static partial void DescriptorSetsRefused(ILogger logger, string reason);
}
