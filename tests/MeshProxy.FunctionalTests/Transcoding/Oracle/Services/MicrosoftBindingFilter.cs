using Grpc.Core;

namespace MeshProxy.FunctionalTests.Transcoding.Oracle.Services;

/// <summary>
/// Hides methods whose google.api.http rule Microsoft's transcoder refuses to bind from its binder only. Microsoft's
/// binder throws on such a rule, and the throw fails <c>MapGrpcService</c> for the whole service; passing those methods
/// to every other binder keeps them served over gRPC (for the sidecar), while Microsoft's REST side has no route for
/// them, which the suite lists as a known difference.
/// </summary>
internal sealed class MicrosoftBindingFilter(ServiceBinderBase inner, IReadOnlySet<string> refused) : ServiceBinderBase
{
    /// <summary>The methods (short names) Microsoft's transcoder cannot bind, with the reason, as its binder throws it.</summary>
    public static readonly IReadOnlyDictionary<string, string> Refused = new Dictionary<string, string>
    {
        ["SetTitle"] = "body names a string field: \"MessageType is only valid for message or group fields.\"",
        ["GetFile"] = "`**` followed by a literal: \"A catch-all parameter can only appear as the last segment of the route template.\"",
        ["Ping"] = "its additional binding has `**` followed by a literal (the catch-all error above); the refusal takes the whole method",
    };

    public static ServiceBinderBase For(ServiceBinderBase binder) =>
        binder.GetType().Name.StartsWith("JsonTranscodingProviderServiceBinder", StringComparison.Ordinal)
            ? new MicrosoftBindingFilter(binder, Refused.Keys.ToHashSet())
            : binder;

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler)
    {
        if (!refused.Contains(method.Name))
        {
            inner.AddMethod(method, handler);
        }
    }

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler)
    {
        if (!refused.Contains(method.Name))
        {
            inner.AddMethod(method, handler);
        }
    }

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler)
    {
        if (!refused.Contains(method.Name))
        {
            inner.AddMethod(method, handler);
        }
    }

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler)
    {
        if (!refused.Contains(method.Name))
        {
            inner.AddMethod(method, handler);
        }
    }
}
