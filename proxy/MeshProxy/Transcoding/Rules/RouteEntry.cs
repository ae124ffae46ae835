using MeshProxy.Transcoding.Descriptors;

namespace MeshProxy.Transcoding.Rules;

/// <summary>A binding with its parsed template and the fields its variables bind, as the matcher needs them.</summary>
internal sealed class RouteEntry(HttpBinding binding, PathTemplate template, IReadOnlyList<IReadOnlyList<ProtoField>> variableFields)
{
    public HttpBinding Binding { get; } = binding;

    public PathTemplate Template { get; } = template;

    /// <summary>The resolved field path of each of <see cref="PathTemplate.Variables"/>, same order.</summary>
    public IReadOnlyList<IReadOnlyList<ProtoField>> VariableFields { get; } = variableFields;
}
