using System.Reflection;

namespace MeshProxy.TestSupport;

/// <summary>Locates files of this repository from a test's output folder.</summary>
public static class RepoPaths
{
    private static readonly Lazy<string> LazyRoot = new(FindRoot);

    /// <summary>The folder that holds MeshProxy.sln.</summary>
    public static string Root => LazyRoot.Value;

    /// <summary>
    /// The google/api and google/rpc .proto files shipped in the Google.Api.CommonProtos package (the build writes the
    /// folder into this assembly), so peers and protoc resolve the imports of protos/ without copies in the repository.
    /// </summary>
    public static string GoogleApiCommonProtos { get; } =
        typeof(RepoPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "GoogleApiCommonProtos").Value
        ?? throw new InvalidOperationException("The GoogleApiCommonProtos path is missing from the TestSupport assembly.");

    /// <summary>The include path for .proto files: protos/ and <see cref="GoogleApiCommonProtos"/>.</summary>
    public static string ProtoIncludePath => string.Join(Path.PathSeparator, Combine("protos"), GoogleApiCommonProtos);

    /// <summary>A path below the repository root.</summary>
    public static string Combine(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MeshProxy.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No MeshProxy.sln above {AppContext.BaseDirectory}.");
    }
}
