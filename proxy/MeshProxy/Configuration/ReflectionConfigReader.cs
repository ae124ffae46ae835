using System.Collections.Immutable;
using YamlDotNet.RepresentationModel;

namespace MeshProxy.Configuration;

/// <summary>Reads the top-level <c>reflection:</c> mapping (see <see cref="ReflectionConfig"/>); omitted keys keep the defaults.</summary>
internal static class ReflectionConfigReader
{
    public const string Section = "reflection";

    public static ReflectionConfig Read(YamlMapping root, ConfigErrors errors)
    {
        if (!root.Has(Section))
        {
            // Marks the key as seen when it is present but null.
            root.Node(Section);
            return ReflectionConfig.Default;
        }

        var map = YamlMapping.From(root.Node(Section), root.Child(Section), errors);
        var sets = ImmutableArray.CreateBuilder<string>();
        foreach (var (node, path) in map.Sequence("descriptorSets"))
        {
            if (node is YamlScalarNode { Value: { Length: > 0 } text })
            {
                sets.Add(text);
            }
            else
            {
                errors.Add(path, "expected a descriptor set path");
            }
        }

        var result = new ReflectionConfig
        {
            Enabled = map.Bool("enabled") ?? ReflectionConfig.Default.Enabled,
            DescriptorSets = new(sets.ToImmutable()),
        };
        map.ReportUnknownKeys();
        return result;
    }
}
