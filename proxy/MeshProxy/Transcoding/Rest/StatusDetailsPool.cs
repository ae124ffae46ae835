using Google.Protobuf;
using Google.Protobuf.Reflection;
using MeshProxy.Transcoding.Descriptors;

namespace MeshProxy.Transcoding.Rest;

/// <summary>
/// The standard error detail messages (google/rpc/error_details.proto: BadRequest, ErrorInfo, RetryInfo, ...) as a
/// pool, built once from the descriptors compiled into Google.Api.CommonProtos. Status details whose type the
/// configured descriptor sets lack are looked up here before they fall back to base64.
/// </summary>
internal static class StatusDetailsPool
{
    private static readonly Lazy<DescriptorPool> LazyPool = new(Build);

    public static DescriptorPool Pool => LazyPool.Value;

    private static DescriptorPool Build()
    {
        var set = new FileDescriptorSet();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        Add(Google.Rpc.ErrorDetailsReflection.Descriptor, set, seen);
        Add(Google.Rpc.StatusReflection.Descriptor, set, seen);
        return DescriptorPool.Load(set.ToByteArray());
    }

    // Dependencies first, as protoc's --include_imports writes them.
    private static void Add(FileDescriptor file, FileDescriptorSet set, HashSet<string> seen)
    {
        if (!seen.Add(file.Name))
        {
            return;
        }

        foreach (var dependency in file.Dependencies)
        {
            Add(dependency, set, seen);
        }

        set.File.Add(FileDescriptorProto.Parser.ParseFrom(file.SerializedData));
    }
}
