using System.Diagnostics.CodeAnalysis;

namespace MeshProxy.Configuration;

/// <summary>The config file's names of <see cref="LoadBalancingKind"/>, one table for the loader and the admin dump.</summary>
internal static class LoadBalancingNames
{
    public const string Supported = "roundRobin, leastRequests, powerOfTwoChoices";

    /// <summary>Exact, case-sensitive names (Envoy/YARP vocabulary), like every other enum-like key in the file.</summary>
    public static bool TryParse(string name, [NotNullWhen(true)] out LoadBalancingKind? kind)
    {
        kind = name switch
        {
            "roundRobin" => LoadBalancingKind.RoundRobin,
            "leastRequests" => LoadBalancingKind.LeastRequests,
            "powerOfTwoChoices" => LoadBalancingKind.PowerOfTwoChoices,
            _ => null,
        };
        return kind is not null;
    }

    public static string Format(LoadBalancingKind kind) => kind switch
    {
        LoadBalancingKind.RoundRobin => "roundRobin",
        LoadBalancingKind.LeastRequests => "leastRequests",
        LoadBalancingKind.PowerOfTwoChoices => "powerOfTwoChoices",
        _ => kind.ToString(),
    };
}
