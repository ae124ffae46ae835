using MeshProxy.Transcoding.Descriptors;

namespace MeshProxy.Transcoding.Rules;

/// <summary>One REST binding of a gRPC method: the main <c>google.api.http</c> rule or one of its
/// <c>additional_bindings</c>. Immutable once the <see cref="HttpRuleTable"/> is built.</summary>
internal sealed class HttpBinding
{
    /// <summary>The gRPC request path, <c>/users.v1.UserService/GetUser</c>.</summary>
    public required string GrpcPath { get; init; }

    public required string ServiceName { get; init; }

    public required string MethodName { get; init; }

    public required MessageType Input { get; init; }

    public required MessageType Output { get; init; }

    public required bool ClientStreaming { get; init; }

    public required bool ServerStreaming { get; init; }

    /// <summary><c>GET</c>, <c>PUT</c>, <c>POST</c>, <c>DELETE</c>, <c>PATCH</c> or a custom kind (<c>OPTIONS</c>).</summary>
    public required string HttpMethod { get; init; }

    /// <summary>The path template as written, <c>/v1/{name=shelves/*}:cancel</c>.</summary>
    public required string Template { get; init; }

    /// <summary>The rule sets <c>body</c>.</summary>
    public required bool HasBody { get; init; }

    /// <summary>The field the body fills; null with <see cref="HasBody"/> means <c>body: "*"</c> (the whole message).</summary>
    public IReadOnlyList<ProtoField>? BodyField { get; init; }

    /// <summary>The response field sent as the body; null means the whole response message.</summary>
    public IReadOnlyList<ProtoField>? ResponseBodyField { get; init; }

    /// <summary>Leading comments of the method (for OpenAPI), empty when none.</summary>
    public required string Description { get; init; }

    /// <summary>0 for the main rule, 1.. for each additional binding in order (OpenAPI operation ids).</summary>
    public int BindingIndex { get; init; }

    public override string ToString() => $"{HttpMethod} {Template} -> {GrpcPath}";
}
