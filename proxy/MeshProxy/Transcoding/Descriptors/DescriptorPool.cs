using System.Collections.Frozen;
using Google.Api;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;

namespace MeshProxy.Transcoding.Descriptors;

/// <summary>
/// The message, enum and service descriptors of one <c>FileDescriptorSet</c> (what
/// <c>protoc --include_imports --descriptor_set_out</c> or <c>buf build</c> writes), linked once and frozen.
/// Method options are parsed with the <c>google.api.http</c> extension registered, so HttpRule annotations are readable.
/// Safe to share across threads: nothing changes after <see cref="Load(ReadOnlySpan{byte})"/> returns.
/// </summary>
internal sealed class DescriptorPool
{
    // Files of google/protobuf that Google.Protobuf ships compiled in. A set built without --include_imports still
    // loads when these are its only missing imports.
    private static readonly FrozenDictionary<string, FileDescriptor> BundledFiles = new[]
    {
        Any.Descriptor.File, Timestamp.Descriptor.File, Duration.Descriptor.File, FieldMask.Descriptor.File,
        Struct.Descriptor.File, Empty.Descriptor.File, Int32Value.Descriptor.File, Api.Descriptor.File,
        SourceContext.Descriptor.File, Google.Protobuf.WellKnownTypes.Type.Descriptor.File, FileDescriptorProto.Descriptor.File,
    }.ToFrozenDictionary(f => f.Name, StringComparer.Ordinal);

    private readonly FrozenDictionary<string, MessageType> _messages;
    private readonly FrozenDictionary<string, EnumType> _enums;
    private readonly FrozenDictionary<string, ServiceDescriptor> _services;

    private DescriptorPool(IReadOnlyList<FileDescriptor> files)
    {
        Files = files;
        var descriptors = new List<MessageDescriptor>();
        var enums = new Dictionary<string, EnumType>(StringComparer.Ordinal);
        var services = new Dictionary<string, ServiceDescriptor>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            foreach (var message in file.MessageTypes)
            {
                Collect(message, descriptors, enums);
            }

            foreach (var e in file.EnumTypes)
            {
                enums.TryAdd(e.FullName, new EnumType(e));
            }

            foreach (var service in file.Services)
            {
                services.TryAdd(service.FullName, service);
            }
        }

        var messages = new Dictionary<string, MessageType>(StringComparer.Ordinal);
        foreach (var descriptor in descriptors)
        {
            messages.TryAdd(descriptor.FullName, new MessageType(descriptor, this));
        }

        // Second pass: link field types now that every message exists (recursive types point at themselves).
        foreach (var type in messages.Values)
        {
            foreach (var field in type.Fields)
            {
                var fd = type.Descriptor.FindFieldByNumber(field.Number);
                MessageType? fieldMessage = null;
                ProtoField? mapKey = null;
                ProtoField? mapValue = null;
                if (fd.FieldType == FieldType.Message)
                {
                    fieldMessage = messages[fd.MessageType.FullName];
                    if (field.IsMap)
                    {
                        mapKey = fieldMessage.FindField(1);
                        mapValue = fieldMessage.FindField(2);
                    }
                }

                EnumType? enumType = fd.FieldType == FieldType.Enum ? enums[fd.EnumType.FullName] : null;
                field.Resolve(fieldMessage, enumType, mapKey, mapValue);
            }
        }

        _messages = messages.ToFrozenDictionary(StringComparer.Ordinal);
        _enums = enums.ToFrozenDictionary(StringComparer.Ordinal);
        _services = services.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>The linked files, dependencies before dependents.</summary>
    public IReadOnlyList<FileDescriptor> Files { get; }

    public IEnumerable<ServiceDescriptor> Services => _services.Values;

    /// <summary>Loads a descriptor set from a file (see <see cref="Load(ReadOnlySpan{byte})"/>).</summary>
    public static DescriptorPool LoadFile(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DescriptorSetException($"Cannot read descriptor set '{path}': {e.Message}", e);
        }

        try
        {
            return Load(bytes);
        }
        catch (DescriptorSetException e)
        {
            throw new DescriptorSetException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>Parses and links a serialized <c>google.protobuf.FileDescriptorSet</c>.</summary>
    /// <exception cref="DescriptorSetException">The bytes are not a descriptor set, a file misses an import, or linking fails.</exception>
    public static DescriptorPool Load(ReadOnlySpan<byte> bytes)
    {
        FileDescriptorSet set;
        try
        {
            set = FileDescriptorSet.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new DescriptorSetException($"Not a FileDescriptorSet: {e.Message}", e);
        }

        if (set.File.Count == 0)
        {
            throw new DescriptorSetException("Not a FileDescriptorSet: it holds no files.");
        }

        var byName = new Dictionary<string, FileDescriptorProto>(StringComparer.Ordinal);
        foreach (var file in set.File)
        {
            if (string.IsNullOrEmpty(file.Name))
            {
                throw new DescriptorSetException("Not a FileDescriptorSet: a file has no name.");
            }

            if (!byName.TryAdd(file.Name, file))
            {
                throw new DescriptorSetException($"The descriptor set holds '{file.Name}' twice.");
            }
        }

        // BuildFromByteStrings needs dependencies first: order the files topologically, reporting what is missing.
        var ordered = new List<ByteString>(set.File.Count);
        var state = new Dictionary<string, bool>(StringComparer.Ordinal); // false: visiting, true: done
        foreach (var file in set.File)
        {
            Visit(file.Name, importedBy: null);
        }

        var registry = new ExtensionRegistry { AnnotationsExtensions.Http };
        try
        {
            return new DescriptorPool(FileDescriptor.BuildFromByteStrings(ordered, registry));
        }
        catch (Exception e) when (e is ArgumentException or DescriptorValidationException or InvalidProtocolBufferException or KeyNotFoundException)
        {
            throw new DescriptorSetException($"The descriptor set does not link: {e.Message}", e);
        }

        void Visit(string name, string? importedBy)
        {
            if (state.TryGetValue(name, out var done))
            {
                if (!done)
                {
                    throw new DescriptorSetException($"Import cycle through '{name}'.");
                }

                return;
            }

            if (!byName.TryGetValue(name, out var file))
            {
                if (BundledFiles.TryGetValue(name, out var bundled))
                {
                    state[name] = true;
                    ordered.Add(bundled.SerializedData);
                    return;
                }

                throw new DescriptorSetException(
                    $"The descriptor set misses '{name}', imported by '{importedBy}' (build it with --include_imports).");
            }

            state[name] = false;
            foreach (var dependency in file.Dependency)
            {
                Visit(dependency, name);
            }

            state[name] = true;
            ordered.Add(file.ToByteString());
        }
    }

    public MessageType? FindMessage(string fullName) => _messages.GetValueOrDefault(TrimLeadingDot(fullName));

    public EnumType? FindEnum(string fullName) => _enums.GetValueOrDefault(TrimLeadingDot(fullName));

    public ServiceDescriptor? FindService(string fullName) => _services.GetValueOrDefault(TrimLeadingDot(fullName));

    /// <summary>The <c>google.api.http</c> annotation of a method, or null when it has none.</summary>
    public static HttpRule? GetHttpRule(MethodDescriptor method) =>
        method.GetOptions() is { } options && options.HasExtension(AnnotationsExtensions.Http)
            ? options.GetExtension(AnnotationsExtensions.Http)
            : null;

    private static string TrimLeadingDot(string name) => name.StartsWith('.') ? name[1..] : name;

    private static void Collect(MessageDescriptor message, List<MessageDescriptor> into, Dictionary<string, EnumType> enums)
    {
        into.Add(message);
        foreach (var nested in message.NestedTypes)
        {
            Collect(nested, into, enums);
        }

        foreach (var e in message.EnumTypes)
        {
            enums.TryAdd(e.FullName, new EnumType(e));
        }
    }
}
