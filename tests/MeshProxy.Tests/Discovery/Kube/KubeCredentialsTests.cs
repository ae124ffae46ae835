using MeshProxy.Discovery.Kube;
using Microsoft.Extensions.Time.Testing;

namespace MeshProxy.Tests.Discovery.Kube;

public sealed class KubeCredentialsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("meshproxy-credentials-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task TokenFile_Rotated_ReadAgainAfterAMinuteOrAfterA401()
    {
        var path = Path.Combine(_directory, "token");
        File.WriteAllText(path, "one");
        var time = new FakeTimeProvider();
        var credentials = new TokenFileCredentials(path, time);

        Assert.Equal("one", (await credentials.GetAsync(CancellationToken.None)).Parameter);
        File.WriteAllText(path, "two");
        time.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal("one", (await credentials.GetAsync(CancellationToken.None)).Parameter);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("two", (await credentials.GetAsync(CancellationToken.None)).Parameter);

        File.WriteAllText(path, "three");
        credentials.Invalidate();
        Assert.Equal("three", (await credentials.GetAsync(CancellationToken.None)).Parameter);

        File.WriteAllText(path, "  ");
        credentials.Invalidate();
        Assert.Equal($"the token file {path} is empty", (await Assert.ThrowsAsync<KubeconfigException>(() => credentials.GetAsync(CancellationToken.None).AsTask())).Message);
    }

    [Fact]
    public async Task ExecPlugin_TokenWithExpiry_CachedUntilJustBeforeItExpires()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero));
        var plugin = Script("""
            n=$(( $(cat "$(dirname "$0")/runs" 2>/dev/null || echo 0) + 1 )); echo $n > "$(dirname "$0")/runs"
            printf '{"kind":"ExecCredential","status":{"token":"t%s","expirationTimestamp":"2026-12-03T12:10:00Z"}}' $n
            """);
        var credentials = new ExecCredentialPlugin(new ExecCredentialPlugin.Command(plugin, [], [], "client.authentication.k8s.io/v1beta1"), time);

        Assert.Equal("t1", (await credentials.GetAsync(CancellationToken.None)).Parameter);
        time.Advance(TimeSpan.FromMinutes(9));
        Assert.Equal("t1", (await credentials.GetAsync(CancellationToken.None)).Parameter);
        time.Advance(TimeSpan.FromSeconds(51));
        Assert.Equal("t2", (await credentials.GetAsync(CancellationToken.None)).Parameter);
        credentials.Invalidate();
        Assert.Equal("t3", (await credentials.GetAsync(CancellationToken.None)).Parameter);
    }

    [Theory]
    [InlineData("echo 'expired login' >&2; exit 7", "exited with 7: expired login")]
    [InlineData("echo 'not json'", "printed no ExecCredential JSON")]
    [InlineData("echo '{\"status\":{\"clientCertificateData\":\"PEM\"}}'", "returned a client certificate; meshproxy takes tokens from exec plugins only")]
    [InlineData("echo '{\"status\":{}}'", "returned no status.token")]
    public async Task ExecPlugin_Fails_ClearReason(string body, string expected)
    {
        var plugin = Script(body);
        var credentials = new ExecCredentialPlugin(new ExecCredentialPlugin.Command(plugin, [], [], "client.authentication.k8s.io/v1"), TimeProvider.System);

        var error = await Assert.ThrowsAsync<KubeconfigException>(() => credentials.GetAsync(CancellationToken.None).AsTask());

        Assert.Contains($"the exec credential plugin '{plugin}' {expected}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExecPlugin_NotInstalled_SaysItCouldNotStart()
    {
        var credentials = new ExecCredentialPlugin(new ExecCredentialPlugin.Command("meshproxy-no-such-plugin", [], [], "client.authentication.k8s.io/v1"), TimeProvider.System);

        var error = await Assert.ThrowsAsync<KubeconfigException>(() => credentials.GetAsync(CancellationToken.None).AsTask());

        Assert.StartsWith("the exec credential plugin 'meshproxy-no-such-plugin' could not start", error.Message, StringComparison.Ordinal);
    }

    private string Script(string body)
    {
        var path = Path.Combine(_directory, "plugin-" + Guid.NewGuid().ToString("N")[..8]);
        File.WriteAllText(path, "#!/bin/sh\n" + body.ReplaceLineEndings("\n") + "\n");
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("the plugin is a shell script");
        }

        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }
}
