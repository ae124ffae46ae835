using System.Collections.Immutable;
using YamlDotNet.RepresentationModel;

namespace MeshProxy.Configuration;

/// <summary>Reads the <c>transcoding:</c> section key by key (see <see cref="TranscodingConfig"/> for each option).</summary>
internal static class TranscodingConfigReader
{
    public const string Section = "transcoding";

    /// <summary>The section of <paramref name="root"/>, or null when the file has none.</summary>
    public static TranscodingConfig? Read(YamlMapping root, ConfigErrors errors)
    {
        if (!root.Has(Section))
        {
            root.Node(Section);
            return null;
        }

        var map = YamlMapping.From(root.Node(Section), root.Child(Section), errors);
        var defaults = new TranscodingConfig();
        var print = YamlMapping.From(map.Node("print"), map.Child("print"), errors);
        var parse = YamlMapping.From(map.Node("parse"), map.Child("parse"), errors);
        var result = new TranscodingConfig
        {
            DescriptorSets = Strings(map, "descriptorSets", errors),
            Services = Strings(map, "services", errors),
            UnannotatedMethods = map.Bool("unannotatedMethods") ?? defaults.UnannotatedMethods,
            EmitDefaultValues = print.Bool("emitDefaultValues") ?? defaults.EmitDefaultValues,
            RejectUnknownFields = parse.Bool("rejectUnknownFields") ?? defaults.RejectUnknownFields,
            RejectUnknownQueryParameters = parse.Bool("rejectUnknownQueryParameters") ?? defaults.RejectUnknownQueryParameters,
            MaxRequestBodyBytes = map.Int("maxRequestBodyBytes") ?? defaults.MaxRequestBodyBytes,
            ForwardedHeaderPrefixes = Strings(map, "forwardedHeaderPrefixes", errors),
            ResponseMetadataPrefix = map.String("responseMetadataPrefix") ?? defaults.ResponseMetadataPrefix,
        };
        print.ReportUnknownKeys();
        parse.ReportUnknownKeys();
        map.ReportUnknownKeys();
        return result;
    }

    private static EquatableArray<string> Strings(YamlMapping map, string key, ConfigErrors errors)
    {
        var items = ImmutableArray.CreateBuilder<string>();
        foreach (var (node, path) in map.Sequence(key))
        {
            if (node is YamlScalarNode { Value: { } text })
            {
                items.Add(text);
            }
            else
            {
                errors.Add(path, "expected a string");
            }
        }

        return new(items.ToImmutable());
    }
}
