namespace MeshProxy.Upstream;

/// <summary>When the lean client closes idle connections and verifies quiet busy ones.</summary>
/// <param name="IdleTimeout">A connection that carried no stream this long is closed.</param>
/// <param name="SweepPeriod">How often connections are looked at for both.</param>
/// <param name="PingDelay">A connection with calls that heard nothing this long is sent a PING.</param>
/// <param name="PingTimeout">A PING unanswered this long closes the connection and fails its calls.</param>
internal sealed record LeanHttp2Timings(TimeSpan IdleTimeout, TimeSpan SweepPeriod, TimeSpan PingDelay, TimeSpan PingTimeout)
{
    /// <summary>
    /// What SocketsHttpHandler was given for clusters (ClusterClientFactory): idle connections closed after two minutes,
    /// a busy connection silent for a minute verified, and given up 20 seconds later.
    /// </summary>
    public static LeanHttp2Timings Default { get; } = new(TimeSpan.FromMinutes(2), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(20));
}
