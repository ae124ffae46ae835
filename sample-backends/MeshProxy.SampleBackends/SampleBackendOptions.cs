using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace MeshProxy.SampleBackends;

/// <summary>How a sample backend starts; every property has the command line's default.</summary>
internal sealed record SampleBackendOptions
{
    /// <summary>The default port, 50051, the conventional gRPC port.</summary>
    public const int DefaultPort = 50051;

    /// <summary>The IP address to listen on. Default 127.0.0.1.</summary>
    public string Address { get; init; } = "127.0.0.1";

    /// <summary>The TCP port; 0 picks an ephemeral one (read it back from the handle). Default 50051.</summary>
    public int Port { get; init; } = DefaultPort;

    /// <summary>The label sent in every reply's x-backend-version header, so canary tests see which subset answered. Default "v1".</summary>
    public string Version { get; init; } = "v1";

    /// <summary>The fault rules active at start; change them at run time through <see cref="SampleBackendHandle.Faults"/>. Default none.</summary>
    public IReadOnlyList<Faults.FaultRule> Faults { get; init; } = [];

    /// <summary>Seeds the draw of <c>rate</c> faults so a run is reproducible. Default null: a random seed.</summary>
    public int? Seed { get; init; }

    /// <summary>
    /// Serving statuses set at start, by service name ("" is the whole server). Services not named start SERVING.
    /// Default none.
    /// </summary>
    public IReadOnlyDictionary<string, ServingStatus> Health { get; init; } = new Dictionary<string, ServingStatus>();

    /// <summary>The clock of timestamps and fault latency. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
