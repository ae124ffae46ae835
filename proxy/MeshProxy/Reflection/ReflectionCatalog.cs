using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Grpc.Reflection;
using MeshProxy.Configuration;
using MeshProxy.Observability;
using MeshProxy.Routing;
using MeshProxy.Transcoding.Descriptors;
using MeshProxy.Transcoding.Rest;
using Microsoft.Extensions.Logging;
using DescriptorPool = MeshProxy.Transcoding.Descriptors.DescriptorPool;
using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;
using HealthService = Grpc.Health.V1.Health;
using ReflectionV1 = Grpc.Reflection.V1.ServerReflection;
using ReflectionV1Alpha = Grpc.Reflection.V1Alpha.ServerReflection;

namespace MeshProxy.Reflection;

/// <summary>
/// The reflection services (Grpc.Reflection's v1 and v1alpha implementations) for what the sidecar holds now: the files of
/// the live transcoding descriptor sets and of <c>reflection.descriptorSets</c>, listing the services some route takes plus
/// the sidecar's own (health and reflection). Rebuilt when a stream opens and the inputs changed (a config reload swaps the
/// routes, the transcoding provider swaps its snapshot when its files change, the extra files are hashed on every open),
/// so reflection follows live reload without watchers of its own; otherwise the built pair is reused.
/// </summary>
internal sealed class ReflectionCatalog(
    ProxySnapshotProvider proxy,
    TranscodingSnapshotProvider transcoding,
    TranscodingPaths paths,
    ILogger<ReflectionCatalog> logger)
{
    // The sidecar answers these itself, so they are described whatever the routes say.
    private static readonly ServiceDescriptor[] LocalServices =
    [
        HealthService.Descriptor,
        ReflectionV1.Descriptor,
        ReflectionV1Alpha.Descriptor,
    ];

    private readonly Lock _lock = new();
    private Built? _built;

    /// <summary>Whether the live config answers reflection locally (read per call, so a reload turns it on or off).</summary>
    public bool Enabled => proxy.Current?.Config.Reflection.Enabled == true;

    /// <summary>The services for the current inputs.</summary>
    /// <exception cref="RpcException">UNAVAILABLE: a <c>reflection.descriptorSets</c> file cannot be read or does not link.</exception>
    public ReflectionServices Current()
    {
        var routes = proxy.Current;
        var rest = transcoding.Current;
        var config = routes?.Config.Reflection ?? ReflectionConfig.Default;
        var errors = new ConfigErrors();
        var files = config.DescriptorSets.Select(paths.Resolve).ToArray();
        var extra = DescriptorSetLoader.Read(files, errors);
        if (extra is null)
        {
            throw Refused(string.Join("; ", errors.All.Select(e => e.Message)));
        }

        lock (_lock)
        {
            if (_built is { } built && ReferenceEquals(built.Routes, routes) && ReferenceEquals(built.Rest, rest) && built.ExtraHash == extra.Value.Hash)
            {
                return built.Services;
            }

            var pool = Merge(rest?.Table.Pool, files, extra.Value.Contents);
            var services = pool.Services
                .Where(s => routes is not null && s.Methods.Any(m => routes.Routes.RoutesPath($"/{s.FullName}/{m.Name}")))
                .Select(s => s.FullName)
                .Concat(LocalServices.Select(s => s.FullName))
                .Distinct(StringComparer.Ordinal)
                .Order(StringComparer.Ordinal)
                .ToArray();
            var registry = SymbolRegistry.FromFiles(pool.Files);
            var next = new ReflectionServices(new ReflectionV1ServiceImpl(services, registry), new ReflectionServiceImpl(services, registry));
            _built = new Built(routes, rest, extra.Value.Hash, next);
            ReflectionLog.CatalogBuilt(logger, services.Length, pool.Files.Count);
            return next;
        }
    }

    /// <summary>One pool of every file, the first of a name winning (each protoc run repeats its imports).</summary>
    private DescriptorPool Merge(DescriptorPool? rest, IReadOnlyList<string> files, IReadOnlyList<byte[]> contents)
    {
        var merged = new FileDescriptorSet();
        var names = new HashSet<string>(StringComparer.Ordinal);
        void Add(FileDescriptorProto file)
        {
            if (names.Add(file.Name))
            {
                merged.File.Add(file);
            }
        }

        foreach (var file in rest?.Files ?? [])
        {
            Add(FileDescriptorProto.Parser.ParseFrom(file.SerializedData));
        }

        for (var i = 0; i < contents.Count; i++)
        {
            try
            {
                FileDescriptorSet.Parser.ParseFrom(contents[i]).File.ToList().ForEach(Add);
            }
            catch (InvalidProtocolBufferException ex)
            {
                throw Refused($"{files[i]} is not a FileDescriptorSet: {ex.Message}");
            }
        }

        foreach (var local in LocalServices)
        {
            AddWithImports(local.File);
        }

        try
        {
            return DescriptorPool.Load(merged.ToByteArray());
        }
        catch (DescriptorSetException ex)
        {
            throw Refused(ex.Message);
        }

        void AddWithImports(FileDescriptor file)
        {
            foreach (var dependency in file.Dependencies)
            {
                AddWithImports(dependency);
            }

            Add(FileDescriptorProto.Parser.ParseFrom(file.SerializedData));
        }
    }

    private RpcException Refused(string reason)
    {
        ReflectionLog.DescriptorSetsRefused(logger, reason);
        return new RpcException(new Status(StatusCode.Unavailable, $"reflection.descriptorSets: {reason}"));
    }

    private sealed record Built(ProxySnapshot? Routes, TranscodingSnapshot? Rest, string ExtraHash, ReflectionServices Services);
}

/// <summary>Grpc.Reflection's two implementations over one catalogue.</summary>
internal sealed record ReflectionServices(ReflectionV1ServiceImpl V1, ReflectionServiceImpl V1Alpha);
