using Microsoft.Extensions.Logging;

namespace MeshProxy.Observability;

/// <summary>REST/JSON transcoding events, ids 1500-1599.</summary>
internal static partial class TranscodingLog
{
    [LoggerMessage(EventId = 1500, EventName = "TranscodingRulesLoaded", Level = LogLevel.Information, Message = "REST transcoding: {Bindings} HTTP bindings from {Files} descriptor set file(s) (hash {Hash}).")]
    public static partial void RulesLoaded(ILogger logger, int bindings, int files, string hash);

    [LoggerMessage(EventId = 1501, EventName = "DescriptorSetReloadRefused", Level = LogLevel.Error, Message = "Descriptor set change refused with {Count} error(s); the previous REST routes stay live.")]
    public static partial void DescriptorSetReloadRefused(ILogger logger, int count);

    [LoggerMessage(EventId = 1502, EventName = "DescriptorSetError", Level = LogLevel.Error, Message = "Descriptor set error at {Path}: {Message}")]
    public static partial void DescriptorSetError(ILogger logger, string path, string message);

    [LoggerMessage(EventId = 1503, EventName = "DescriptorSetWatchFailed", Level = LogLevel.Warning, Message = "Cannot watch {Directory} for descriptor set changes; polling only.")]
    public static partial void DescriptorSetWatchFailed(ILogger logger, string directory, Exception exception);

    [LoggerMessage(EventId = 1504, EventName = "DescriptorSetCheckFailed", Level = LogLevel.Error, Message = "Checking the descriptor sets failed; the next event or poll tries again.")]
    public static partial void DescriptorSetCheckFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1505, EventName = "TranscodingRuleRefused", Level = LogLevel.Warning, Message = "REST transcoding: rule left out, the other rules serve: {Rule}")]
    public static partial void RuleRefused(ILogger logger, string rule);

    [LoggerMessage(EventId = 1510, EventName = "RestRequestRefused", Level = LogLevel.Debug, Message = "REST {Method} {Path} refused with {Status}: {Reason}")]
    public static partial void RequestRefused(ILogger logger, string method, string path, int status, string reason);

    [LoggerMessage(EventId = 1511, EventName = "UpstreamWithoutStatus", Level = LogLevel.Warning, Message = "Transcoded call {GrpcPath} ended without a grpc-status (HTTP {HttpStatus}).")]
    public static partial void UpstreamWithoutStatus(ILogger logger, string grpcPath, int httpStatus);

    [LoggerMessage(EventId = 1512, EventName = "UpstreamMessageInvalid", Level = LogLevel.Warning, Message = "Transcoded call {GrpcPath}: the upstream reply cannot be printed as JSON: {Reason}")]
    public static partial void UpstreamMessageInvalid(ILogger logger, string grpcPath, string reason);

    [LoggerMessage(EventId = 1513, EventName = "StreamEndedWithError", Level = LogLevel.Debug, Message = "Transcoded stream {GrpcPath} ended with {Code} after {Messages} message(s).")]
    public static partial void StreamEndedWithError(ILogger logger, string grpcPath, string code, int messages);
}
