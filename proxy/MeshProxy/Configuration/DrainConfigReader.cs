using YamlDotNet.RepresentationModel;

namespace MeshProxy.Configuration;

/// <summary>Reads the top-level <c>drain:</c> mapping; omitted keys keep <see cref="DrainConfig.Default"/>.</summary>
internal static class DrainConfigReader
{
    public static DrainConfig Read(YamlNode? node, string path, ConfigErrors errors)
    {
        var map = YamlMapping.From(node, path, errors);
        var defaults = DrainConfig.Default;
        var result = new DrainConfig(
            map.Duration("propagationDelay") ?? defaults.PropagationDelay,
            map.Duration("deadline") ?? defaults.Deadline);
        map.ReportUnknownKeys();
        return result;
    }
}
