using System.Security.Cryptography.X509Certificates;
using MeshProxy.Hosting;
using MeshProxy.Security;
using MeshProxy.TestSupport;

namespace MeshProxy.FunctionalTests.Security;

/// <summary>
/// <c>openssl s_client</c> (Debian's OpenSSL, an independent TLS stack, installed by the test when missing) against the mTLS listener: what it presents
/// and whom it refuses. The listener checks a client's certificate as the handshake completes on its side and then
/// closes the connection, so a refused s_client (told to wait past its empty stdin with -ign_eof) sees the connection
/// close at once and exits, while an accepted one would sit on the open HTTP/2 connection until the test gives up.
/// </summary>
public sealed class OpensslPeerTests(MtlsServerFixture fixture) : IClassFixture<MtlsServerFixture>, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("meshproxy-openssl-").FullName;

    [Fact]
    public async Task SClient_ValidClientCertificate_SeesH2AndTheSpiffeCertificateVerified()
    {
        var result = await SClientAsync(fixture.Authority.Issue(MtlsMesh.Id("openssl")), "-showcerts");

        Assert.True(result.ExitCode == 0, result.StandardOutput + result.StandardError);
        Assert.Contains("ALPN protocol: h2", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("Verify return code: 0 (ok)", result.StandardOutput, StringComparison.Ordinal);

        // The chain: the workload leaf at depth 0, issued by the test CA the client was given as its only trust anchor.
        Assert.Matches(@"(?m)^ 0 s:O = MeshProxy tests, CN = workload$", result.StandardOutput);
        Assert.Matches(@"(?m)^   i:O = MeshProxy tests, CN = MeshProxy Test CA$", result.StandardOutput);
        var presented = X509Certificate2.CreateFromPem(result.StandardOutput.AsSpan(result.StandardOutput.IndexOf("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal)));
        Assert.True(SpiffeId.TryRead(presented, out var id, out _));
        Assert.Equal(MtlsMesh.Id("server"), id);
    }

    [Theory]
    [MemberData(nameof(MtlsMesh.InvalidClients), MemberType = typeof(MtlsMesh))]
    public async Task SClient_InvalidClient_RefusedInTheHandshake(string kind)
    {
        var client = MtlsMesh.InvalidClient(fixture.Authority, kind, "openssl");

        // Ends only because the listener closed the connection (an accepted client would wait for HTTP/2 frames).
        // Returning at all is the refusal: with -ign_eof only a closed connection ends s_client (else: TimeoutException).
        var result = await SClientAsync(client, "-ign_eof");

        Assert.Contains("CONNECTED", result.StandardOutput, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private async Task<ProcessResult> SClientAsync(X509Certificate2? client, params string[] extra)
    {
        var ca = Path.Combine(_directory, "ca.pem");
        await File.WriteAllTextAsync(ca, fixture.Authority.Pem);
        List<string> arguments = ["s_client", "-connect", fixture.Server.EndPoint(ListenerName.Mtls).ToString(), "-servername", "localhost", "-alpn", "h2", "-CAfile", ca, "-verify_return_error", .. extra];
        if (client is not null)
        {
            var name = Guid.NewGuid().ToString("N");
            var certificate = Path.Combine(_directory, name + ".crt");
            var key = Path.Combine(_directory, name + ".key");
            await File.WriteAllTextAsync(certificate, TestCertificates.CertificatePem(client));
            await File.WriteAllTextAsync(key, TestCertificates.KeyPem(client));
            arguments.AddRange(["-cert", certificate, "-key", key]);
        }

        // An empty stdin: s_client completes the handshake, finds end of input, and exits.
        return await Openssl.RunAsync(arguments, _directory, standardInput: []).DefaultTimeout();
    }
}
