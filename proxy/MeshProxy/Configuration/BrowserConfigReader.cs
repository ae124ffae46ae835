using System.Collections.Immutable;
using YamlDotNet.RepresentationModel;

namespace MeshProxy.Configuration;

/// <summary>Reads the <c>browser:</c> section key by key (see <see cref="BrowserConfig"/> and <see cref="CorsConfig"/>).</summary>
internal static class BrowserConfigReader
{
    public const string Section = "browser";

    /// <summary>The section of <paramref name="root"/>, or null when the file has none.</summary>
    public static BrowserConfig? Read(YamlMapping root, ConfigErrors errors)
    {
        if (!root.Has(Section))
        {
            root.Node(Section);
            return null;
        }

        var map = YamlMapping.From(root.Node(Section), root.Child(Section), errors);
        var defaults = new BrowserConfig();
        var result = new BrowserConfig
        {
            GrpcWeb = map.Bool("grpcWeb") ?? defaults.GrpcWeb,
            Connect = map.Bool("connect") ?? defaults.Connect,
            MaxRequestBodyBytes = map.Int("maxRequestBodyBytes") ?? defaults.MaxRequestBodyBytes,
            Cors = map.Has("cors") ? ReadCors(map.Node("cors"), map.Child("cors"), errors) : Unused(map, "cors"),
        };
        map.ReportUnknownKeys();
        return result;
    }

    private static CorsConfig ReadCors(YamlNode? node, string path, ConfigErrors errors)
    {
        var map = YamlMapping.From(node, path, errors);
        var defaults = new CorsConfig();
        var result = new CorsConfig
        {
            AllowedOrigins = Strings(map, "allowedOrigins", errors),
            AllowedHeaders = Strings(map, "allowedHeaders", errors),
            ExposedHeaders = Strings(map, "exposedHeaders", errors),
            MaxAge = map.Duration("maxAge") ?? defaults.MaxAge,
            AllowCredentials = map.Bool("allowCredentials") ?? defaults.AllowCredentials,
        };
        map.ReportUnknownKeys();
        return result;
    }

    // Marks an explicit `cors: null` as read, so it is not reported as an unknown key.
    private static CorsConfig? Unused(YamlMapping map, string key)
    {
        map.Node(key);
        return null;
    }

    private static EquatableArray<string> Strings(YamlMapping map, string key, ConfigErrors errors)
    {
        var items = ImmutableArray.CreateBuilder<string>();
        foreach (var (node, path) in map.Sequence(key))
        {
            if (node is YamlScalarNode { Value: { Length: > 0 } text })
            {
                items.Add(text);
            }
            else
            {
                errors.Add(path, "expected a non-empty string");
            }
        }

        return new(items.ToImmutable());
    }
}
