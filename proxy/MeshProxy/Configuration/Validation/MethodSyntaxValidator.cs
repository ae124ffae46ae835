using MeshProxy.Routing;

namespace MeshProxy.Configuration.Validation;

/// <summary>
/// A method is <c>/package.Service/Method</c> or <c>/package.Service/*</c>, the gRPC :path grammar
/// (PROTOCOL-HTTP2.md: Path → ":path" "/" Service-Name "/" {method name}).
/// </summary>
internal sealed class MethodSyntaxValidator : IConfigValidator
{
    public void Validate(MeshProxyConfig config, ConfigErrors errors)
    {
        for (var i = 0; i < config.Routes.Count; i++)
        {
            if (config.Routes[i].Match.Method is { } method && !GrpcMethodPath.IsValidPattern(method))
            {
                errors.Add($"{ConfigPaths.Match(i)}.method", $"'{method}' is not /package.Service/Method or /package.Service/*");
            }
        }
    }
}
