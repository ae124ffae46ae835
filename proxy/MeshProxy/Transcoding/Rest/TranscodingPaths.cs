using MeshProxy.Configuration;

namespace MeshProxy.Transcoding.Rest;

/// <summary>
/// Where descriptor set paths of the <c>transcoding:</c> section resolve: relative paths against the config file's
/// directory (the working directory when the config was given as text), <c>builtin</c> to the
/// <c>descriptor-set.pb</c> that MeshProxy.Protos copies next to the executable.
/// </summary>
internal sealed record TranscodingPaths(string BaseDirectory)
{
    public const string BuiltinFileName = "descriptor-set.pb";

    public static TranscodingPaths CurrentDirectory => new(Environment.CurrentDirectory);

    public string Resolve(string path) =>
        path == TranscodingConfig.BuiltinDescriptorSet
            ? Path.Combine(AppContext.BaseDirectory, BuiltinFileName)
            : Path.GetFullPath(path, BaseDirectory);
}
