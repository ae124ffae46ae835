using MeshProxy.Hosting;
using MeshProxy.SampleBackends;
using MeshProxy.TestSupport;

namespace MeshProxy.FunctionalTests.Security;

/// <summary>
/// Two sidecars on loopback as two pods of a mesh, in front of the sample backend: the caller's application speaks h2c
/// to <see cref="ClientSide"/>, which speaks mTLS to <see cref="ServerSide"/>'s mTLS listener, which forwards to
/// <see cref="Backend"/>. The calling side's files are renamed into place (spiffe-helper), the serving side's are a
/// Kubernetes volume (a <c>..data</c> swap), so a rotation test covers both ways certificates change.
/// </summary>
internal sealed class MtlsMeshPair : IAsyncDisposable
{
    private MtlsMeshPair(TestCertificateAuthority authority, WorkloadFiles caller, WorkloadFiles server)
    {
        Authority = authority;
        Caller = caller;
        Server = server;
    }

    public XunitLoggerProvider Logs { get; } = new(output: null);

    public TestCertificateAuthority Authority { get; }

    /// <summary>The calling workload's certificate directory.</summary>
    public WorkloadFiles Caller { get; }

    /// <summary>The serving workload's certificate directory.</summary>
    public WorkloadFiles Server { get; }

    public SampleBackendHandle Backend { get; private set; } = null!;

    public MeshProxyServer ServerSide { get; private set; } = null!;

    public MeshProxyServer ClientSide { get; private set; } = null!;

    /// <summary>The port of the serving sidecar's mTLS listener.</summary>
    public int ServerMtlsPort => ServerSide.EndPoint(ListenerName.Mtls).Port;

    /// <summary>An authorization section that lets only <paramref name="spiffeId"/> call the serving side.</summary>
    public static string AllowOnly(string spiffeId) => $$"""
        authorization:
          policies:
            - name: mesh-callers
              action: ALLOW
              rules: [ { principals: [ { exact: "{{spiffeId}}" } ] } ]
        """;

    /// <param name="caller">The calling workload's name (its SPIFFE ID is <see cref="MtlsMesh.Id"/> of it).</param>
    /// <param name="server">The serving workload's name; the calling side pins its SPIFFE ID.</param>
    /// <param name="serverExtra">Top-level sections of the serving side (authorization policies).</param>
    /// <param name="clientClusters">More clusters of the calling side, given the serving side's mTLS port.</param>
    public static async Task<MtlsMeshPair> StartAsync(string caller, string server, string serverExtra = "", Func<int, string>? clientClusters = null)
    {
        var authority = TestCertificateAuthority.Create();
        var pair = new MtlsMeshPair(authority, new WorkloadFiles(authority, MtlsMesh.Id(caller)), new WorkloadFiles(authority, MtlsMesh.Id(server), kubernetes: true));
        try
        {
            pair.Backend = await SampleBackend.StartAsync(new SampleBackendOptions { Port = 0, Address = "127.0.0.1", Version = "v1" }, pair.Logs).DefaultTimeout();
            pair.ServerSide = await MtlsMesh.StartServerSideAsync(pair.Server, pair.Backend.Port, pair.Logs, extra: serverExtra).DefaultTimeout();
            pair.ClientSide = await MtlsMesh.StartClientSideAsync(pair.Caller, pair.ServerMtlsPort, pair.Server.SpiffeId, pair.Logs, clientClusters?.Invoke(pair.ServerMtlsPort) ?? string.Empty).DefaultTimeout();
            return pair;
        }
        catch
        {
            await pair.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (ClientSide is not null)
        {
            await ClientSide.DisposeAsync();
        }

        if (ServerSide is not null)
        {
            await ServerSide.DisposeAsync();
        }

        if (Backend is not null)
        {
            await Backend.DisposeAsync();
        }

        Caller.Dispose();
        Server.Dispose();
    }
}
