namespace MeshProxy.Cli.Inject;

/// <summary>What <c>meshproxy inject</c> adds; every option has the chart's default.</summary>
internal sealed record InjectOptions
{
    /// <summary><c>--image</c>: the sidecar image. Default <c>meshproxy:latest</c>.</summary>
    public string Image { get; init; } = "meshproxy:latest";

    /// <summary><c>--config-map</c>: the ConfigMap holding <c>meshproxy.yaml</c>. Default <c>meshproxy-config</c>.</summary>
    public string ConfigMap { get; init; } = "meshproxy-config";

    /// <summary><c>--uninject</c>: remove what inject adds instead.</summary>
    public bool Uninject { get; init; }

    /// <summary>The listener ports the sidecar's config uses (the chart's defaults).</summary>
    public int GrpcPort { get; init; } = 7070;

    public int RestPort { get; init; } = 8080;

    public int OpsPort { get; init; } = 9901;
}
