namespace MeshProxy.Configuration;

/// <summary>
/// The <c>reflection:</c> section: gRPC server reflection (<c>grpc.reflection.v1</c> and <c>v1alpha</c>) answered by the
/// sidecar on its gRPC listener from the descriptor sets it holds, so grpcurl, Evans and <c>meshproxy call ... list</c>
/// work against the sidecar even when the backends have reflection off.
/// </summary>
/// <remarks>
/// Off by default for <c>meshproxy run</c>: reflection hands the whole API surface (every routed service, message and
/// field) to anyone who can reach the gRPC listener, and the seeds advise keeping it out of production. <c>meshproxy demo</c>
/// turns it on. When off, reflection calls are routed like any other call (to a backend whose route names the reflection
/// service, else UNIMPLEMENTED).
/// </remarks>
internal sealed record ReflectionConfig
{
    /// <summary>Reflection off, no extra descriptor sets: the section omitted.</summary>
    public static readonly ReflectionConfig Default = new();

    /// <summary>Answer reflection on the gRPC listener. Default false.</summary>
    public bool Enabled { get; init; }

    /// <summary>
    /// Binary <c>FileDescriptorSet</c> files to describe besides the <c>transcoding:</c> ones (services that have no REST
    /// rules, or a sidecar without transcoding). Relative paths resolve against the config file's directory; <c>builtin</c>
    /// is the set shipped next to the executable. Read again when a reflection stream opens, so an edited file is seen
    /// without a reload. Default none.
    /// </summary>
    public EquatableArray<string> DescriptorSets { get; init; } = EquatableArray<string>.Empty;
}
