using MeshProxy.Grpc.Framing;
using Microsoft.Extensions.Options;

namespace MeshProxy.Grpc.Server;

internal sealed class GrpcServerOptionsValidator : IValidateOptions<GrpcServerOptions>
{
    public ValidateOptionsResult Validate(string? name, GrpcServerOptions options)
    {
        var errors = new List<string>();
        if (options.MaxReceiveMessageSize <= 0)
        {
            errors.Add($"grpc.maxReceiveMessageSize must be positive, was {options.MaxReceiveMessageSize}.");
        }

        if (options.MaxSendMessageSize <= 0)
        {
            errors.Add($"grpc.maxSendMessageSize must be positive, was {options.MaxSendMessageSize}.");
        }

        if (options.ResponseCompressionAlgorithm is { } algorithm && !GrpcCompression.IsCompressing(algorithm))
        {
            errors.Add($"grpc.responseCompressionAlgorithm '{algorithm}' is not supported; use {GrpcCompression.Gzip} or {GrpcCompression.Deflate}.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
