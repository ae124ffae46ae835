using System.Collections.Frozen;
using System.IO.Hashing;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using MeshProxy.Configuration;
using MeshProxy.Transcoding.Descriptors;
using MeshProxy.Transcoding.Rules;

namespace MeshProxy.Transcoding.Rest;

/// <summary>
/// Reads the descriptor set files of a <c>transcoding:</c> section, merges them (a file name seen twice is taken from
/// the first set: every protoc run with --include_imports repeats google/api/*.proto) and builds the rule table.
/// Every problem is collected under a config path; nothing throws for bad files. A rule that cannot be bound is not a
/// load error: it is left out and listed in <see cref="TranscodingSnapshot.RefusedRules"/>, and the rest serves.
/// </summary>
internal static class DescriptorSetLoader
{
    private const string Section = "transcoding";

    /// <summary>
    /// Resolves, reads and builds what <paramref name="config"/> names: the one path the running sidecar
    /// (<see cref="TranscodingSnapshotProvider.Prepare"/>) and <c>meshproxy validate</c> share, so both report the same errors.
    /// </summary>
    public static TranscodingSnapshot? Load(TranscodingConfig config, TranscodingPaths paths, ConfigErrors errors)
    {
        var files = config.DescriptorSets.Select(paths.Resolve).ToArray();
        return Read(files, errors) is { } read ? Build(config, files, read.Contents, read.Hash, errors) : null;
    }

    /// <summary>The files' bytes and their combined hash; null when one cannot be read (errors say which).</summary>
    public static (IReadOnlyList<byte[]> Contents, string Hash)? Read(IReadOnlyList<string> files, ConfigErrors errors)
    {
        var contents = new List<byte[]>(files.Count);
        // XXH128, not SHA-256: a change check needs no cryptography, and OpenSSL is not loaded for it (ConfigReloader.Hash).
        var hash = new XxHash128();
        for (var i = 0; i < files.Count; i++)
        {
            try
            {
                var bytes = File.ReadAllBytes(files[i]);
                contents.Add(bytes);
                hash.Append(BitConverter.GetBytes(bytes.Length));
                hash.Append(bytes);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                errors.Add($"{Section}.descriptorSets[{i}]", $"cannot read {files[i]}: {ex.Message}");
            }
        }

        return errors.HasErrors ? null : (contents, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    /// <summary>Builds the snapshot from file contents read by <see cref="Read"/>; null with errors when they do not load.</summary>
    public static TranscodingSnapshot? Build(TranscodingConfig config, IReadOnlyList<string> files, IReadOnlyList<byte[]> contents, string hash, ConfigErrors errors)
    {
        var merged = new FileDescriptorSet();
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < contents.Count; i++)
        {
            FileDescriptorSet set;
            try
            {
                set = FileDescriptorSet.Parser.ParseFrom(contents[i]);
            }
            catch (InvalidProtocolBufferException ex)
            {
                errors.Add($"{Section}.descriptorSets[{i}]", $"{files[i]} is not a FileDescriptorSet: {ex.Message}");
                continue;
            }

            if (set.File.Count == 0)
            {
                errors.Add($"{Section}.descriptorSets[{i}]", $"{files[i]} holds no files");
            }

            foreach (var file in set.File)
            {
                if (names.Add(file.Name))
                {
                    merged.File.Add(file);
                }
            }
        }

        if (errors.HasErrors)
        {
            return null;
        }

        DescriptorPool pool;
        try
        {
            pool = DescriptorPool.Load(merged.ToByteArray());
        }
        catch (DescriptorSetException ex)
        {
            errors.Add($"{Section}.descriptorSets", ex.Message);
            return null;
        }

        foreach (var (service, i) in config.Services.Select((s, i) => (s, i)))
        {
            if (pool.FindService(service) is null)
            {
                errors.Add($"{Section}.services[{i}]", $"no service {service} in the descriptor sets");
            }
        }

        var options = new HttpRuleOptions { Services = config.Services.AsImmutableArray(), UnannotatedMethods = config.UnannotatedMethods };
        var table = HttpRuleTableBuilder.Build(pool, options, out var refused);
        return errors.HasErrors ? null : new TranscodingSnapshot(config, table, files, hash, IdempotentMethods(pool)) { Pool = pool, RefusedRules = refused };
    }

    /// <summary>The methods marked safe to repeat (<c>option idempotency_level</c>, descriptor.proto MethodOptions field 34).</summary>
    private static FrozenSet<string> IdempotentMethods(DescriptorPool pool)
    {
        var methods = new List<string>();
        foreach (var file in pool.Files)
        {
            foreach (var service in file.Services)
            {
                foreach (var method in service.Methods)
                {
                    if (method.GetOptions()?.IdempotencyLevel is MethodOptions.Types.IdempotencyLevel.NoSideEffects or MethodOptions.Types.IdempotencyLevel.Idempotent)
                    {
                        methods.Add($"/{service.FullName}/{method.Name}");
                    }
                }
            }
        }

        return methods.ToFrozenSet(StringComparer.Ordinal);
    }
}
