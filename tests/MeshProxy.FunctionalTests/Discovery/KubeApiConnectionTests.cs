using System.Net;
using System.Security.Authentication;
using Grpc.Core;
using Grpc.Net.Client;
using MeshProxy.Discovery.Kube;
using MeshProxy.Hosting;
using MeshProxy.TestSupport;
using Xunit.Abstractions;

namespace MeshProxy.FunctionalTests.Discovery;

/// <summary>
/// How the sidecar reaches a real (loopback) API server over real TLS: a kubeconfig with the cluster CA, a client
/// certificate and a token; an exec credential plugin that is run again after a 401; the pod's service account with
/// a rotated token; a server certificate from the wrong CA or for the wrong name refused; a watch the server never
/// ends, ended by the client; and a kubeconfig it cannot use, logged with the reason while the sidecar runs on and
/// answers UNAVAILABLE.
/// </summary>
public sealed class KubeApiConnectionTests(ITestOutputHelper output)
{
    private static readonly TestCertificateAuthority ClusterCa = TestCertificateAuthority.Create("kubernetes test CA");

    [Fact]
    public async Task Kubeconfig_ClusterCaClientCertificateAndToken_SidecarDiscoversThePods()
    {
        var clientCa = TestCertificateAuthority.Create("kubernetes client CA");
        var client = clientCa.Issue([]);
        await using var stack = await KubeStack.StartAsync(output, pods: 2, api: async directory =>
        {
            var api = await FakeEndpointSliceApiServer.StartAsync(ClusterCa.IssueServer("127.0.0.1"), clientCa.Certificate);
            api.RequiredToken = "tls-token";
            return (api, WriteKubeconfig(directory, api.Address, $"""
                token: tls-token
                client-certificate-data: {Base64(TestCertificates.CertificatePem(client))}
                client-key-data: {Base64(TestCertificates.KeyPem(client))}
                """));
        });

        await stack.WaitForDestinationsAsync(2, 3);
        Assert.Equal(new[] { 2, 3 }, await stack.ServedPodsAsync(10));
        Assert.All(stack.Api.Authorizations, a => Assert.Equal("Bearer tls-token", a));
        Assert.NotEmpty(stack.Api.ClientCertificates);
        Assert.All(stack.Api.ClientCertificates, subject => Assert.Equal(client.Subject, subject));
    }

    // kubectl's proxy-url: the API server is reached only through the proxy's CONNECT tunnel (TLS to the server inside it).
    [Fact]
    public async Task Kubeconfig_ProxyUrl_TheApiServerIsReachedThroughTheProxy()
    {
        await using var proxy = ConnectProxy.Start();
        await using var stack = await KubeStack.StartAsync(output, pods: 2, api: async directory =>
        {
            var api = await FakeEndpointSliceApiServer.StartAsync(ClusterCa.IssueServer("127.0.0.1"));
            api.RequiredToken = "proxied-token";
            return (api, WriteKubeconfig(directory, api.Address, "token: proxied-token", cluster: $"proxy-url: {proxy.Address}"));
        });

        await stack.WaitForDestinationsAsync(2, 3);
        Assert.Equal(new[] { 2, 3 }, await stack.ServedPodsAsync(10));
        var targets = proxy.Targets;
        Assert.NotEmpty(targets);
        Assert.All(targets, target => Assert.Equal($"127.0.0.1:{stack.Api.Address.Port}", target));
        Assert.All(stack.Api.Authorizations, a => Assert.Equal("Bearer proxied-token", a));
    }

    [Fact]
    public async Task Kubeconfig_ExecPlugin_ItsTokenIsUsedAndItRunsAgainAfterA401()
    {
        string? runs = null;
        await using var stack = await KubeStack.StartAsync(output, pods: 1, api: async directory =>
        {
            // The plugin checks what client-go promises it (its args, its env, KUBERNETES_EXEC_INFO) and hands out
            // exec-token-1, exec-token-2, ... one per run.
            var plugin = Path.Combine(directory, "bin", "get-token");
            runs = Path.Combine(directory, "bin", "runs");
            Directory.CreateDirectory(Path.GetDirectoryName(plugin)!);
            await File.WriteAllTextAsync(plugin, """
                #!/bin/sh
                [ "$1" = "--cluster=fake" ] || { echo "unexpected args: $*" >&2; exit 3; }
                [ "$FROM_KUBECONFIG" = "yes" ] || { echo "no FROM_KUBECONFIG" >&2; exit 4; }
                case "$KUBERNETES_EXEC_INFO" in *'"interactive":false'*) ;; *) echo "no exec info" >&2; exit 5;; esac
                dir=$(dirname "$0")
                n=$(( $(cat "$dir/runs" 2>/dev/null || echo 0) + 1 ))
                echo $n > "$dir/runs"
                printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"exec-token-%s"}}\n' $n
                """.ReplaceLineEndings("\n"));
            if (OperatingSystem.IsWindows())
            {
                throw new PlatformNotSupportedException("the plugin is a shell script");
            }

            File.SetUnixFileMode(plugin, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var api = await FakeEndpointSliceApiServer.StartAsync();
            api.RequiredToken = "exec-token-1";
            return (api, WriteKubeconfig(directory, api.Address, """
                exec:
                  apiVersion: client.authentication.k8s.io/v1
                  command: ./bin/get-token
                  args: ["--cluster=fake"]
                  env: [{ name: FROM_KUBECONFIG, value: "yes" }]
                """));
        });

        await stack.WaitForDestinationsAsync(2);
        Assert.Equal(StatusCode.OK, (await stack.CallAsync()).Status);
        Assert.All(stack.Api.Authorizations, a => Assert.Equal("Bearer exec-token-1", a));

        // The token is revoked: the resumed watch gets 401, and the next attempt runs the plugin again.
        stack.Api.RequiredToken = "exec-token-2";
        var watch = stack.Api.NextWatch();
        stack.Api.DropWatches();
        await watch.DefaultTimeout();
        var seen = stack.Api.Authorizations;
        Assert.Equal("Bearer exec-token-2", seen[^1]);
        Assert.All(seen.SkipLast(1), a => Assert.Equal("Bearer exec-token-1", a));
        Assert.Equal("2", (await File.ReadAllTextAsync(runs!)).Trim());
        Assert.Equal(StatusCode.OK, (await stack.CallAsync()).Status);
    }

    [Fact]
    public async Task ServiceAccount_TokenRotated_ReadAgainAfterTheServerRefusesTheOldOne()
    {
        var directory = Directory.CreateTempSubdirectory("meshproxy-sa-").FullName;
        try
        {
            await using var api = await FakeEndpointSliceApiServer.StartAsync(ClusterCa.IssueServer("127.0.0.1"));
            api.Apply("shop", "users", "users-1", "grpc", 50051, new FakeEndpoint("10.0.0.1", "users-a"));
            api.RequiredToken = "sa-token-1";
            await File.WriteAllTextAsync(Path.Combine(directory, "token"), "sa-token-1\n");
            await File.WriteAllTextAsync(Path.Combine(directory, "ca.crt"), ClusterCa.Pem);
            await File.WriteAllTextAsync(Path.Combine(directory, "namespace"), "shop");
            using var client = new KubeApiClient(ServiceAccountConfig.Read(directory, "127.0.0.1", api.Address.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), TimeProvider.System));
            Assert.Equal("shop", client.Settings.DefaultNamespace);
            Assert.Equal(new Uri($"https://127.0.0.1:{api.Address.Port}/"), client.Settings.Server);

            var list = await client.ListEndpointSlicesAsync("shop", "kubernetes.io/service-name=users", CancellationToken.None).DefaultTimeout();
            Assert.Equal("10.0.0.1", Assert.Single(Assert.Single(list.Items!).Endpoints!).Addresses![0]);

            // The kubelet rotates the token and the server stops taking the old one: one 401, then the new token.
            await File.WriteAllTextAsync(Path.Combine(directory, "token"), "sa-token-2");
            api.RequiredToken = "sa-token-2";
            var refused = await Assert.ThrowsAsync<KubeApiException>(() => client.ListEndpointSlicesAsync("shop", "kubernetes.io/service-name=users", CancellationToken.None)).DefaultTimeout();
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.Contains("401", refused.Message, StringComparison.Ordinal);
            list = await client.ListEndpointSlicesAsync("shop", "kubernetes.io/service-name=users", CancellationToken.None).DefaultTimeout();
            Assert.Single(list.Items!);
            Assert.Equal(["Bearer sa-token-1", "Bearer sa-token-1", "Bearer sa-token-2"], api.Authorizations);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Tls_ServerFromAnotherCaOrForAnotherName_Refused_SkipVerifyTakesIt()
    {
        await using var api = await FakeEndpointSliceApiServer.StartAsync(TestCertificateAuthority.Create("someone else").IssueServer("127.0.0.1"));
        var settings = new KubeApiSettings(api.Address, "default", "test") { Authority = [ClusterCa.Certificate] };

        using (var wrongCa = new KubeApiClient(settings))
        {
            var error = await Assert.ThrowsAsync<HttpRequestException>(() => wrongCa.ListEndpointSlicesAsync("shop", "a=b", CancellationToken.None)).DefaultTimeout();
            Assert.IsType<AuthenticationException>(error.InnerException);
        }

        await using var named = await FakeEndpointSliceApiServer.StartAsync(ClusterCa.IssueServer("127.0.0.1"));
        using (var wrongName = new KubeApiClient(settings with { Server = named.Address, TlsServerName = "kubernetes.default.svc" }))
        {
            var error = await Assert.ThrowsAsync<HttpRequestException>(() => wrongName.ListEndpointSlicesAsync("shop", "a=b", CancellationToken.None)).DefaultTimeout();
            Assert.IsType<AuthenticationException>(error.InnerException);
        }

        using (var rightName = new KubeApiClient(settings with { Server = named.Address }))
        {
            Assert.Empty((await rightName.ListEndpointSlicesAsync("shop", "a=b", CancellationToken.None).DefaultTimeout()).Items!);
        }

        using var skip = new KubeApiClient(settings with { Authority = null, SkipTlsVerify = true });
        Assert.Empty((await skip.ListEndpointSlicesAsync("shop", "a=b", CancellationToken.None).DefaultTimeout()).Items!);
        Assert.Equal(2, api.Authorizations.Count + named.Authorizations.Count);
    }

    [Fact]
    public async Task Watch_ServerNeverEndsIt_TheClientEndsItCleanlyPastTheDeadline()
    {
        // The fake keeps a watch open whatever timeoutSeconds says, as a half-open connection would look.
        await using var api = await FakeEndpointSliceApiServer.StartAsync();
        api.Apply("shop", "users", "users-1", "grpc", 50051, new FakeEndpoint("10.0.0.1", "users-a"));
        using var client = new KubeApiClient(new KubeApiSettings(api.Address, "default", "test"));
        var started = System.Diagnostics.Stopwatch.GetTimestamp();

        var events = new List<string>();
        await Task.Run(async () =>
        {
            await foreach (var (type, slice) in client.WatchEndpointSlicesAsync("shop", "kubernetes.io/service-name=users", "0", timeoutSeconds: 1, CancellationToken.None))
            {
                events.Add($"{type} {slice.Metadata?.Name}");
            }
        }).DefaultTimeout();

        Assert.Equal(["ADDED users-1"], events);
        Assert.True(System.Diagnostics.Stopwatch.GetElapsedTime(started) >= KubeApiClient.WatchDeadline(1) - TimeSpan.FromMilliseconds(100));
        Assert.Equal(TimeSpan.FromSeconds(6), KubeApiClient.WatchDeadline(1));
        Assert.Equal(TimeSpan.FromSeconds(319), KubeApiClient.WatchDeadline(290));
    }

    [Fact]
    public async Task Kubeconfig_Unusable_LoggedWithTheReason_CallsGetUnavailable()
    {
        var directory = Directory.CreateTempSubdirectory("meshproxy-kubeconfig-").FullName;
        try
        {
            var kubeconfig = WriteKubeconfig(directory, new Uri("https://127.0.0.1:1"), """
                auth-provider: { name: gcp }
                """);
            var logs = new XunitLoggerProvider(output);
            await using var proxy = await MeshProxyServer.StartAsync(KubeStack.SidecarConfig(kubeconfig), logs).DefaultTimeout();

            var error = Assert.Single(logs.Errors);
            Assert.Contains("KubernetesUnavailable", error, StringComparison.Ordinal);
            Assert.Contains($"kubeconfig {kubeconfig}: user 'fake'.auth-provider: 'gcp' auth providers were removed", error, StringComparison.Ordinal);

            using var channel = GrpcChannel.ForAddress(proxy.Address(ListenerName.Grpc));
            var (status, _) = await LoopbackPods.CallAsync(channel);
            Assert.Equal(StatusCode.Unavailable, status);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static string Base64(string text) => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(text));

    // A kubeconfig for the server at address with the cluster CA and the given lines of the user (placed under user:),
    // and any more lines of the cluster.
    private static string WriteKubeconfig(string directory, Uri address, string user, string cluster = "")
    {
        user = string.Join('\n', user.Split('\n').Select(line => "      " + line));
        cluster = string.Join('\n', cluster.Split('\n').Select(line => "      " + line));
        var path = Path.Combine(directory, "kubeconfig");
        File.WriteAllText(path, $$"""
            apiVersion: v1
            kind: Config
            clusters:
              - name: fake
                cluster:
                  server: {{address}}
                  certificate-authority-data: {{Base64(ClusterCa.Pem)}}
            {{cluster}}
            users:
              - name: fake
                user:
            {{user}}
            contexts:
              - name: fake
                context: { cluster: fake, user: fake, namespace: default }
            current-context: fake
            """);
        return path;
    }
}
