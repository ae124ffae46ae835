namespace MeshProxy.Configuration;

/// <summary>How a cluster picks a destination for a call (Envoy and YARP use the same names).</summary>
internal enum LoadBalancingKind
{
    /// <summary>
    /// <c>roundRobin</c> (default): each destination in turn, except that a destination holding two calls in flight
    /// more than the least loaded one is passed over for it (a hung destination stops getting calls).
    /// </summary>
    RoundRobin,

    /// <summary><c>leastRequests</c>: the destination with the fewest calls in flight; ties go to the first.</summary>
    LeastRequests,

    /// <summary>
    /// <c>powerOfTwoChoices</c>: two distinct destinations at random, the one with fewer calls in flight wins. Nearly as
    /// good as least requests without herding every sidecar onto the same idle destination.
    /// </summary>
    PowerOfTwoChoices,
}
