namespace MeshProxy.Configuration;

/// <summary>
/// How the sidecar drains on SIGTERM, <c>POST /drain</c> or <c>POST /quitquitquit</c> (top-level <c>drain:</c>). Read
/// from the live config when a drain starts, so an edit applies to the next drain without a restart.
/// </summary>
/// <param name="PropagationDelay">
/// How long inbound traffic is still accepted after readiness turns 503, so endpoint controllers and load balancers
/// drop the pod before its listeners close. Default 5s; 0s = close at once.
/// </param>
/// <param name="Deadline">
/// How long in-flight calls may run after the listeners close (HTTP/2 GOAWAY); calls still running then are cancelled.
/// Default 25s; must be above 0. Keep propagationDelay + deadline below the pod's terminationGracePeriodSeconds.
/// </param>
internal sealed record DrainConfig(TimeSpan PropagationDelay, TimeSpan Deadline)
{
    public static DrainConfig Default { get; } = new(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(25));
}
