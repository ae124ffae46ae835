namespace MeshProxy.FunctionalTests.Upstream;

/// <summary>
/// The two HTTP/2 clients a cluster can forward with (<c>http2: { client: sockets | lean }</c>), and sidecar YAML that
/// offers the same destinations through both: a call carrying <c>x-upstream-client: lean</c> goes to the cluster
/// <c>lean</c>, one carrying <c>sockets</c> to the cluster <c>sockets</c>, one without the header finds no route. Each
/// cluster names its client, so MESHPROXY_HTTP2_CLIENT (the process default) changes neither.
/// </summary>
internal static class UpstreamClients
{
    public const string Header = "x-upstream-client";

    public const string Sockets = "sockets";

    public const string Lean = "lean";

    /// <summary>Both clients, for theories that hold each to the same promise.</summary>
    public static TheoryData<string> Both => new() { Sockets, Lean };

    /// <summary>The routes and clusters (no listeners): every method, split by <see cref="Header"/>.</summary>
    /// <param name="destinations">The clusters' destinations as a YAML flow list, e.g. <c>[ { address: "{a}", name: a } ]</c>.</param>
    /// <param name="route">More keys for both routes, one per line (e.g. <c>retry: { maxAttempts: 1 }</c>).</param>
    /// <param name="cluster">More keys for both clusters, one per line (e.g. <c>connectTimeout: 2s</c>).</param>
    /// <param name="http2">More keys inside both clusters' <c>http2:</c> map (e.g. <c>connectionsPerDestination: single</c>).</param>
    public static string Config(string destinations, string route = "", string cluster = "", string http2 = "") =>
        $$"""
        routes:
        {{Route(Sockets, route)}}
        {{Route(Lean, route)}}
        clusters:
        {{Cluster(Sockets, destinations, cluster, http2)}}
        {{Cluster(Lean, destinations, cluster, http2)}}
        """;

    /// <summary>The request header that picks <paramref name="client"/>'s cluster.</summary>
    public static (string Name, string Value) Pick(string client) => (Header, client);

    private static string Route(string client, string extra) =>
        $$"""
          - name: via-{{client}}
            match: { prefix: /, headers: [ { name: {{Header}}, exact: {{client}} } ] }
            cluster: {{client}}
        {{Indent(extra, 4)}}
        """;

    private static string Cluster(string client, string destinations, string extra, string http2) =>
        $$"""
          {{client}}:
            http2: { client: {{client}}{{(http2.Length == 0 ? string.Empty : ", " + http2)}} }
            destinations: {{destinations}}
        {{Indent(extra, 4)}}
        """;

    private static string Indent(string lines, int spaces) =>
        string.Join('\n', lines.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => new string(' ', spaces) + line.Trim()));
}
