using MeshProxy.Configuration;
using MeshProxy.TestSupport;
using YamlDotNet.RepresentationModel;
using static MeshProxy.FunctionalTests.Deployment.RenderedChart;

namespace MeshProxy.FunctionalTests.Deployment;

/// <summary>
/// helm/meshproxy-sidecar, the library chart, included by a user's own chart made in a temp folder, rendered by the
/// real helm and checked by the real kubectl.
/// </summary>
public sealed class HelmLibraryChartTests : IClassFixture<KubeToolsFixture>, IDisposable
{
    // Not created up front: RenderUserChartAsync writes and builds the chart the first time, when the folder is missing.
    private readonly TempPath _chart = TempPath.Directory("user-chart", create: false);

    [Fact]
    public async Task Lint_LibraryChart_Passes()
    {
        var result = await HelmChart.HelmAsync("lint", "--strict", HelmChart.LibraryDirectory).DefaultTimeout();

        Assert.True(result.ExitCode == 0, result.StandardOutput + result.StandardError);
    }

    [Fact]
    public async Task Template_UserChartIncludesLibrary_DeploymentGetsNativeSidecarVolumesAndConfigMap()
    {
        var chart = await RenderUserChartAsync().DefaultTimeout();

        var pod = Mapping(chart.Single("Deployment", "shop-orders"), "spec", "template", "spec");
        var sidecar = Assert.Single(Sequence(pod, "initContainers"));
        Assert.Equal("meshproxy", Yaml(sidecar, "name"));
        Assert.Equal("Always", Yaml(sidecar, "restartPolicy"));
        Assert.Equal("meshproxy:0.1.0", Yaml(sidecar, "image"));
        Assert.Equal("64Mi", Yaml(sidecar, "resources", "requests", "memory"));
        Assert.Equal("128Mi", Yaml(sidecar, "resources", "limits", "memory"));

        // The user's grpc port reaches both the container and the config; unset values take the library's defaults.
        var ports = Sequence(sidecar, "ports").ToDictionary(p => Yaml(p, "name")!, p => Yaml(p, "containerPort"));
        Assert.Equal(new Dictionary<string, string?> { ["mp-grpc"] = "7171", ["mp-rest"] = "8080", ["mp-ops"] = "9901" }, ports);
        Assert.Equal("mp-ops", Yaml(sidecar, "readinessProbe", "httpGet", "port"));
        Assert.Equal("/healthz/live", Yaml(sidecar, "livenessProbe", "httpGet", "path"));
        Assert.Equal("true", Yaml(sidecar, "securityContext", "readOnlyRootFilesystem"));
        Assert.Equal("64198", Yaml(sidecar, "securityContext", "runAsUser"));

        // The sidecar's names never clash with the user's own "config" volume.
        var volumes = Sequence(pod, "volumes").ToDictionary(v => Yaml(v, "name")!);
        Assert.Equal(["config", "meshproxy-config", "meshproxy-tmp"], volumes.Keys.Order());
        Assert.Equal("shop-orders-meshproxy", Yaml(volumes["meshproxy-config"], "configMap", "name"));
        var mounts = Sequence(sidecar, "volumeMounts").ToDictionary(m => Yaml(m, "name")!, m => Yaml(m, "mountPath"));
        Assert.Equal(new Dictionary<string, string?> { ["meshproxy-config"] = "/etc/meshproxy", ["meshproxy-tmp"] = "/tmp" }, mounts);
        Assert.Equal("orders", Yaml(Assert.Single(Sequence(pod, "containers")), "name"));

        var configMap = chart.Single("ConfigMap", "shop-orders-meshproxy");
        Assert.Equal("orders", Yaml(configMap, "metadata", "labels", "app"));
        var config = ConfigLoader.Load(Yaml(configMap, "data", "meshproxy.yaml")!);
        Assert.True(config.Succeeded, string.Join('\n', config.Errors));
        Assert.Equal(7171, config.Config.Listeners.Grpc.Port);
        Assert.Equal("127.0.0.1", config.Config.Listeners.Admin.Address);
        Assert.Equal("http://127.0.0.1:50051", Assert.Single(Assert.Single(config.Config.Clusters).Destinations).Address);
    }

    [Fact]
    public async Task Template_UserChartContainerMode_SidecarIsPlainContainer()
    {
        var chart = await RenderUserChartAsync("--set", "sidecar.mode=container").DefaultTimeout();

        var pod = Mapping(chart.Single("Deployment", "shop-orders"), "spec", "template", "spec");
        Assert.Empty(Sequence(pod, "initContainers"));
        var containers = Sequence(pod, "containers");
        Assert.Equal(["orders", "meshproxy"], containers.Select(c => Yaml(c, "name")));
        Assert.Null(Yaml(containers[1], "restartPolicy"));
    }

    [Fact]
    public async Task KubectlDryRun_UserChartIncludingLibrary_Accepted()
    {
        foreach (var values in new[] { Array.Empty<string>(), ["--set", "sidecar.mode=container"] })
        {
            var chart = await RenderUserChartAsync(values).DefaultTimeout();
            var result = await HelmChart.KubectlDryRunAsync(chart.Text).DefaultTimeout();

            Assert.True(result.ExitCode == 0, $"kubectl apply --dry-run=client failed ({result.ExitCode}):\n{result.StandardError}");
            Assert.Equal(2, result.StandardOutput.Split('\n').Count(l => l.EndsWith("created (dry run)", StringComparison.Ordinal)));
        }
    }

    [Fact]
    public async Task Template_UserChartMtlsFromCertManager_CertificateVolumeMountPortAndConfig()
    {
        var chart = await RenderUserChartAsync(
            "--namespace", "shop", "--set", "mtls.enabled=true", "--set", "mtls.trustDomain=example.org",
            "--set", "mtls.certManager.enabled=true", "--set", "mtls.certManager.issuerRef.name=mesh-ca", "--set", "mtls.certManager.serviceAccount=orders").DefaultTimeout();

        // Without a secretName the library names the Secret after the ConfigMap.
        var certificate = chart.Single("Certificate", "shop-orders-meshproxy-tls");
        Assert.Equal("shop-orders-meshproxy-tls", Yaml(certificate, "spec", "secretName"));
        Assert.Equal(["spiffe://example.org/ns/shop/sa/orders"], ((YamlSequenceNode)Node(certificate, "spec", "uris")!).Children.Select(c => c.ToString()));
        Assert.Equal("mesh-ca", Yaml(certificate, "spec", "issuerRef", "name"));

        var pod = Mapping(chart.Single("Deployment", "shop-orders"), "spec", "template", "spec");
        var sidecar = Assert.Single(Sequence(pod, "initContainers"));
        Assert.Equal("7443", Yaml(Sequence(sidecar, "ports").Single(p => Yaml(p, "name") == "mp-mtls"), "containerPort"));
        var mount = Assert.Single(Sequence(sidecar, "volumeMounts"), m => Yaml(m, "name") == "meshproxy-tls");
        Assert.Equal("/var/run/secrets/meshproxy/tls", Yaml(mount, "mountPath"));
        Assert.Equal("shop-orders-meshproxy-tls", Yaml(Sequence(pod, "volumes").Single(v => Yaml(v, "name") == "meshproxy-tls"), "secret", "secretName"));

        var config = ConfigLoader.Load(Yaml(chart.Single("ConfigMap", "shop-orders-meshproxy"), "data", "meshproxy.yaml")!);
        Assert.True(config.Succeeded, string.Join('\n', config.Errors));
        Assert.Equal("/var/run/secrets/meshproxy/tls", config.Config.Tls!.Directory);
        Assert.Equal(7443, config.Config.Listeners.Mtls!.Port);
        Assert.Equal("127.0.0.1", config.Config.Listeners.Grpc.Address);
    }

    [Fact]
    public async Task Template_UserChartWithoutMtls_NoCertificateNorTlsVolume()
    {
        var chart = await RenderUserChartAsync().DefaultTimeout();

        Assert.Empty(chart.OfKind("Certificate"));
        var pod = Mapping(chart.Single("Deployment", "shop-orders"), "spec", "template", "spec");
        Assert.DoesNotContain(Sequence(pod, "volumes"), v => Yaml(v, "name") == "meshproxy-tls");
        var config = ConfigLoader.Load(Yaml(chart.Single("ConfigMap", "shop-orders-meshproxy"), "data", "meshproxy.yaml")!);
        Assert.True(config.Succeeded, string.Join('\n', config.Errors));
        Assert.Null(config.Config.Tls);
    }

    public void Dispose() => _chart.Dispose();

    /// <summary>
    /// A user's chart as docs/deployment.md shows it: a file:// dependency on the library, a Deployment of its own
    /// application (with a volume of its own named config) that includes the sidecar, and the sidecar's ConfigMap.
    /// </summary>
    private async Task<RenderedChart> RenderUserChartAsync(params string[] arguments)
    {
        if (!Directory.Exists(_chart.Path))
        {
            Directory.CreateDirectory(Path.Combine(_chart.Path, "templates"));
            await File.WriteAllTextAsync(Path.Combine(_chart.Path, "Chart.yaml"), $"""
                apiVersion: v2
                name: orders
                version: 1.0.0
                appVersion: "2.3"
                dependencies:
                  - name: meshproxy-sidecar
                    version: 0.1.0
                    repository: file://{HelmChart.LibraryDirectory}
                """).ConfigureAwait(false);
            await File.WriteAllTextAsync(Path.Combine(_chart.Path, "values.yaml"), """
                sidecar:
                  mode: native
                meshproxy:
                  listeners:
                    grpc: 7171
                  routes:
                    - { name: orders, match: { prefix: / }, cluster: orders }
                  clusters:
                    orders:
                      destinations:
                        - address: http://127.0.0.1:50051
                """).ConfigureAwait(false);
            await File.WriteAllTextAsync(Path.Combine(_chart.Path, "templates", "deployment.yaml"), """
                {{- $sidecar := dict "sidecar" .Values.sidecar "meshproxy" .Values.meshproxy "mtls" .Values.mtls "configMap" (printf "%s-orders-meshproxy" .Release.Name) }}
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: {{ .Release.Name }}-orders
                spec:
                  selector:
                    matchLabels: { app: orders }
                  template:
                    metadata:
                      labels: { app: orders }
                    spec:
                      {{- if eq .Values.sidecar.mode "native" }}
                      initContainers:
                        {{- include "meshproxy-sidecar.container" $sidecar | nindent 8 }}
                      {{- end }}
                      containers:
                        - name: orders
                          image: orders:{{ .Chart.AppVersion }}
                          volumeMounts:
                            - { name: config, mountPath: /etc/orders }
                        {{- if eq .Values.sidecar.mode "container" }}
                        {{- include "meshproxy-sidecar.container" $sidecar | nindent 8 }}
                        {{- end }}
                      volumes:
                        - name: config
                          emptyDir: {}
                        {{- include "meshproxy-sidecar.volumes" $sidecar | nindent 8 }}
                ---
                {{ include "meshproxy-sidecar.configmap" (set $sidecar "labels" (dict "app" "orders")) }}
                ---
                {{ include "meshproxy-sidecar.certificate" (set $sidecar "namespace" .Release.Namespace) }}
                """).ConfigureAwait(false);

            var build = await HelmChart.HelmAsync("dependency", "update", _chart.Path).ConfigureAwait(false);
            Assert.True(build.ExitCode == 0, $"helm dependency update failed ({build.ExitCode}):\n{build.StandardError}");
        }

        var result = await HelmChart.HelmAsync(["template", "shop", _chart.Path, .. arguments]).ConfigureAwait(false);
        Assert.True(result.ExitCode == 0, $"helm template failed ({result.ExitCode}):\n{result.StandardError}");
        return RenderedChart.Parse(result.StandardOutput);
    }
}
