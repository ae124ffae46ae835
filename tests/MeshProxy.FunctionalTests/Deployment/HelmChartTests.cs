using MeshProxy.Configuration;
using MeshProxy.TestSupport;
using YamlDotNet.RepresentationModel;
using static MeshProxy.FunctionalTests.Deployment.RenderedChart;

namespace MeshProxy.FunctionalTests.Deployment;

/// <summary>helm/meshproxy rendered by the real helm and checked by the real kubectl (installed by the test itself).</summary>
public sealed class HelmChartTests : IClassFixture<KubeToolsFixture>
{
    private const string Deployment = "mp-meshproxy";

    [Fact]
    public async Task Lint_DefaultAndExampleValues_Pass()
    {
        var defaults = await HelmChart.HelmAsync("lint", "--strict", HelmChart.Directory).DefaultTimeout();
        Assert.True(defaults.ExitCode == 0, defaults.StandardOutput + defaults.StandardError);
        var example = await HelmChart.HelmAsync("lint", "--strict", HelmChart.Directory, "-f", HelmChart.ExampleValues).DefaultTimeout();
        Assert.True(example.ExitCode == 0, example.StandardOutput + example.StandardError);
    }

    [Fact]
    public async Task Template_DefaultValues_SidecarIsNativeInitContainerWithProbesAndHardening()
    {
        var chart = await HelmChart.TemplateAsync().DefaultTimeout();
        var pod = Mapping(chart.Single("Deployment", Deployment), "spec", "template", "spec");

        var sidecar = Assert.Single(Sequence(pod, "initContainers"));
        Assert.Equal("meshproxy", Yaml(sidecar, "name"));
        Assert.Equal("Always", Yaml(sidecar, "restartPolicy"));
        Assert.Null(Node(sidecar, "lifecycle")); // shutdown is the SIGTERM drain: no preStop hook by default
        Assert.DoesNotContain(Sequence(pod, "containers"), c => Yaml(c, "name") == "meshproxy");
        AssertSidecar(sidecar);

        // Longer than the drain (5s propagation + 25s deadline by default), or the kubelet kills the sidecar mid-drain.
        Assert.True(int.Parse(Yaml(pod, "terminationGracePeriodSeconds")!, System.Globalization.CultureInfo.InvariantCulture) > 30);
        var tmp = Assert.Single(Sequence(pod, "volumes"), v => Yaml(v, "name") == "tmp");
        Assert.NotNull(Node(tmp, "emptyDir"));

        var budget = Assert.Single(chart.OfKind("PodDisruptionBudget"));
        Assert.Equal("1", Yaml(budget, "spec", "maxUnavailable"));
    }

    [Fact]
    public async Task Template_ContainerMode_SidecarIsSecondContainer()
    {
        var chart = await HelmChart.TemplateAsync(
            "--set", "sidecar.mode=container", "--set", "sidecar.preStopSleepSeconds=5", "--set", "terminationGracePeriodSeconds=40").DefaultTimeout();
        var pod = Mapping(chart.Single("Deployment", Deployment), "spec", "template", "spec");

        Assert.Empty(Sequence(pod, "initContainers"));
        var containers = Sequence(pod, "containers");
        Assert.Equal(["app", "meshproxy"], containers.Select(c => Yaml(c, "name")));
        var sidecar = containers[1];
        Assert.Null(Yaml(sidecar, "restartPolicy"));
        Assert.Equal("5", Yaml(sidecar, "lifecycle", "preStop", "sleep", "seconds"));
        AssertSidecar(sidecar);
    }

    [Fact]
    public async Task Template_GrpcProbes_UseGrpcListenerButLivenessStaysHttp()
    {
        var chart = await HelmChart.TemplateAsync("--set", "sidecar.probes.kind=grpc", "--set", "meshproxy.listeners.grpc=7171").DefaultTimeout();
        var sidecar = Sequence(chart.Single("Deployment", Deployment), "spec", "template", "spec", "initContainers")[0];

        Assert.Equal("7171", Yaml(sidecar, "readinessProbe", "grpc", "port"));
        Assert.Equal("7171", Yaml(sidecar, "startupProbe", "grpc", "port"));
        Assert.Equal("/healthz/live", Yaml(sidecar, "livenessProbe", "httpGet", "path"));
    }

    [Fact]
    public async Task Template_ConfigMap_IsMountedAsDirectoryWithoutSubPath()
    {
        foreach (var mode in new[] { "native", "container" })
        {
            var chart = await HelmChart.TemplateAsync("--set", $"sidecar.mode={mode}").DefaultTimeout();
            var pod = Mapping(chart.Single("Deployment", Deployment), "spec", "template", "spec");
            var configVolume = Assert.Single(Sequence(pod, "volumes"), v => Node(v, "configMap") is not null);
            Assert.Equal("mp-meshproxy-config", Yaml(configVolume, "configMap", "name"));
            chart.Single("ConfigMap", "mp-meshproxy-config");

            var mounts = Sequence(pod, "initContainers").Concat(Sequence(pod, "containers")).SelectMany(c => Sequence(c, "volumeMounts")).ToList();
            Assert.All(mounts, m => Assert.Null(Node(m, "subPath")));
            var configMount = Assert.Single(mounts, m => Yaml(m, "name") == Yaml(configVolume, "name"));
            Assert.Equal("/etc/meshproxy", Yaml(configMount, "mountPath"));
            Assert.Equal("true", Yaml(configMount, "readOnly"));

            // The mounted directory holds the file the container is told to run.
            var sidecar = Sequence(pod, "initContainers").Concat(Sequence(pod, "containers")).Single(c => Yaml(c, "name") == "meshproxy");
            var args = ((YamlSequenceNode)Node(sidecar, "args")!).Children.Select(a => ((YamlScalarNode)a).Value).ToList();
            Assert.Equal(["run", "--config", "/etc/meshproxy/meshproxy.yaml"], args);
        }
    }

    [Fact]
    public async Task Template_DefaultValues_RenderAConfigTheSidecarAccepts()
    {
        var config = LoadRenderedConfig(await HelmChart.TemplateAsync().DefaultTimeout());

        Assert.Equal(7070, config.Listeners.Grpc.Port);
        Assert.Equal("127.0.0.1", config.Listeners.Admin.Address);
        Assert.Equal("0.0.0.0", config.Listeners.Ops.Address);
    }

    [Fact]
    public async Task Template_ExampleValues_WeightsReachTheRenderedConfig()
    {
        var chart = await HelmChart.TemplateAsync("-f", HelmChart.ExampleValues).DefaultTimeout();
        var config = LoadRenderedConfig(chart);

        var users = config.Routes.Single(r => r.Name == "users");
        Assert.Equal([("users-v1", 90), ("users-v2", 10)], users.Backends.Select(b => (b.Cluster, b.Weight)));
        var tweaked = LoadRenderedConfig(await HelmChart.TemplateAsync(
            "-f", HelmChart.ExampleValues, "--set", "meshproxy.routes[1].backends[0].weight=70", "--set", "meshproxy.routes[1].backends[1].weight=30").DefaultTimeout());
        Assert.Equal([70, 30], tweaked.Routes.Single(r => r.Name == "users").Backends.Select(b => b.Weight));

        // Both versions exist, each behind the Service the clusters address, and the sidecar's REST port is exposed.
        foreach (var version in new[] { "v1", "v2" })
        {
            var deployment = chart.Single("Deployment", $"users-{version}");
            var args = ((YamlSequenceNode)Node(Sequence(deployment, "spec", "template", "spec", "containers")[0], "args")!).Children.Select(a => a.ToString());
            Assert.Contains(version, args);
            chart.Single("Service", $"users-{version}");
            Assert.Contains(config.Clusters.Single(c => c.Name == $"users-{version}").Destinations, d => d.Address == $"http://users-{version}:50051");
        }

        var service = chart.Single("Service", Deployment);
        Assert.Contains(Sequence(service, "spec", "ports"), p => Yaml(p, "port") == "8080" && Yaml(p, "targetPort") == "rest");
    }

    [Fact]
    public async Task Template_OnlyWeightsChange_PodTemplateAnnotationsUnchanged()
    {
        var before = await HelmChart.TemplateAsync("-f", HelmChart.ExampleValues).DefaultTimeout();
        var after = await HelmChart.TemplateAsync(
            "-f", HelmChart.ExampleValues, "--set", "meshproxy.routes[1].backends[0].weight=50", "--set", "meshproxy.routes[1].backends[1].weight=50").DefaultTimeout();

        Assert.NotEqual(Yaml(before.Single("ConfigMap", "mp-meshproxy-config"), "data", "meshproxy.yaml"),
            Yaml(after.Single("ConfigMap", "mp-meshproxy-config"), "data", "meshproxy.yaml"));
        Assert.Equal(PodTemplate(before), PodTemplate(after));
    }

    [Fact]
    public async Task Template_PortChanges_PodTemplateAnnotationsChange()
    {
        var before = await HelmChart.TemplateAsync("-f", HelmChart.ExampleValues).DefaultTimeout();
        var after = await HelmChart.TemplateAsync("-f", HelmChart.ExampleValues, "--set", "meshproxy.listeners.rest=8081").DefaultTimeout();

        var annotations = Mapping(before.Single("Deployment", Deployment), "spec", "template", "metadata", "annotations");
        var changed = Mapping(after.Single("Deployment", Deployment), "spec", "template", "metadata", "annotations");
        Assert.NotEqual(annotations.ToString(), changed.ToString());
    }

    [Fact]
    public async Task Template_GracePeriodNotLongerThanDrain_FailsWithReason()
    {
        var result = await HelmChart.HelmAsync("template", "mp", HelmChart.Directory, "--set", "terminationGracePeriodSeconds=30").DefaultTimeout();

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("terminationGracePeriodSeconds (30) must exceed", result.StandardError, StringComparison.Ordinal);

        // The preStop sleep counts too.
        var sleep = await HelmChart.HelmAsync("template", "mp", HelmChart.Directory, "--set", "sidecar.preStopSleepSeconds=5").DefaultTimeout();
        Assert.NotEqual(0, sleep.ExitCode);
        Assert.Contains("(35)", sleep.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Template_UnknownOrMistypedValue_RejectedBySchema()
    {
        var unknown = await HelmChart.HelmAsync("template", "mp", HelmChart.Directory, "--set", "sidecar.mdoe=native").DefaultTimeout();
        Assert.NotEqual(0, unknown.ExitCode);
        Assert.Contains("mdoe", unknown.StandardError, StringComparison.Ordinal);

        var mode = await HelmChart.HelmAsync("template", "mp", HelmChart.Directory, "--set", "sidecar.mode=sidecar").DefaultTimeout();
        Assert.NotEqual(0, mode.ExitCode);
        Assert.Contains("sidecar.mode", mode.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KubectlDryRun_DefaultAndExampleValues_Accepted()
    {
        foreach (var values in new[] { Array.Empty<string>(), ["-f", HelmChart.ExampleValues], ["--set", "sidecar.mode=container"] })
        {
            var chart = await HelmChart.TemplateAsync(values).DefaultTimeout();
            var result = await HelmChart.KubectlDryRunAsync(chart.Text).DefaultTimeout();

            Assert.True(result.ExitCode == 0, $"kubectl apply --dry-run=client failed ({result.ExitCode}):\n{result.StandardError}");
            Assert.Equal(chart.Objects.Count, result.StandardOutput.Split('\n').Count(l => l.EndsWith("created (dry run)", StringComparison.Ordinal)));
        }
    }

    [Fact]
    public async Task Template_KubernetesDiscovery_RoleToWatchEndpointSlicesPerNamespaceAndAccountToken()
    {
        var chart = await HelmChart.TemplateAsync("-f", HelmChart.DiscoveryValues, "--namespace", "web").DefaultTimeout();

        var config = LoadRenderedConfig(chart);
        Assert.Equal(new KubernetesDiscoveryConfig("users-v1", "shop", "grpc"), config.Clusters.Single(c => c.Name == "users-v1").Kubernetes);
        var pod = Mapping(chart.Single("Deployment", Deployment), "spec", "template", "spec");
        Assert.Equal("mp-meshproxy", Yaml(pod, "serviceAccountName"));
        Assert.Equal("true", Yaml(pod, "automountServiceAccountToken"));
        Assert.Single(chart.OfKind("ServiceAccount"), a => Yaml(a, "metadata", "name") == "mp-meshproxy");

        // users-v1 names shop; users-v2 names none, so the release's namespace.
        var roles = chart.OfKind("Role").ToList();
        Assert.Equal(["shop", "web"], roles.Select(r => Yaml(r, "metadata", "namespace")).Order());
        foreach (var role in roles)
        {
            var rule = Assert.Single(Sequence(role, "rules"));
            Assert.Equal(["discovery.k8s.io"], ((YamlSequenceNode)Node(rule, "apiGroups")!).Children.Select(c => c.ToString()));
            Assert.Equal(["endpointslices"], ((YamlSequenceNode)Node(rule, "resources")!).Children.Select(c => c.ToString()));
            Assert.Equal(["get", "list", "watch"], ((YamlSequenceNode)Node(rule, "verbs")!).Children.Select(c => c.ToString()));
        }

        var bindings = chart.OfKind("RoleBinding").ToList();
        Assert.Equal(2, bindings.Count);
        Assert.All(bindings, b => Assert.Equal("web", Yaml(Sequence(b, "subjects")[0], "namespace")));

        var lint = await HelmChart.HelmAsync("lint", "--strict", HelmChart.Directory, "-f", HelmChart.DiscoveryValues).DefaultTimeout();
        Assert.True(lint.ExitCode == 0, lint.StandardOutput + lint.StandardError);

        // kubectl apply --namespace refuses objects of other namespaces (helm install does not): dry-run one namespace.
        var single = await HelmChart.TemplateAsync("-f", HelmChart.DiscoveryValues, "--set", "meshproxy.clusters.users-v1.kubernetes.namespace=default").DefaultTimeout();
        var dryRun = await HelmChart.KubectlDryRunAsync(single.Text).DefaultTimeout();
        Assert.True(dryRun.ExitCode == 0, $"kubectl apply --dry-run=client failed ({dryRun.ExitCode}):\n{dryRun.StandardError}");
    }

    [Fact]
    public async Task Template_FixedDestinationsOnly_NoServiceAccountTokenNorRbac()
    {
        var chart = await HelmChart.TemplateAsync().DefaultTimeout();

        Assert.Empty(chart.OfKind("Role"));
        Assert.Empty(chart.OfKind("ServiceAccount"));
        Assert.Equal("false", Yaml(Mapping(chart.Single("Deployment", Deployment), "spec", "template", "spec"), "automountServiceAccountToken"));
    }

    [Fact]
    public async Task Lint_MtlsExampleValues_Pass()
    {
        foreach (var values in new[] { HelmChart.MtlsCertManagerValues, HelmChart.MtlsCsiSpiffeValues })
        {
            var lint = await HelmChart.HelmAsync("lint", "--strict", HelmChart.Directory, "-f", values).DefaultTimeout();
            Assert.True(lint.ExitCode == 0, values + "\n" + lint.StandardOutput + lint.StandardError);
        }
    }

    [Fact]
    public async Task Template_MtlsFromSecret_MountsSecretOpensMtlsPortAndStrictConfig()
    {
        var chart = await HelmChart.TemplateAsync("--set", "mtls.enabled=true", "--set", "mtls.secret.name=orders-svid").DefaultTimeout();

        var (pod, sidecar) = PodAndSidecar(chart);
        Assert.Equal("orders-svid", Yaml(TlsVolume(pod), "secret", "secretName"));
        AssertTlsMountAndPort(sidecar, "/var/run/secrets/meshproxy/tls", "7443");
        Assert.Empty(chart.OfKind("Certificate"));

        // Strict: the cleartext gRPC listener serves the local application only, so the Service offers mtls, not grpc.
        var config = LoadRenderedConfig(chart);
        Assert.Equal("/var/run/secrets/meshproxy/tls", config.Tls!.Directory);
        Assert.Equal(TlsMode.Strict, config.Tls.Mode);
        Assert.Equal(("0.0.0.0", 7443), (config.Listeners.Mtls!.Address, config.Listeners.Mtls.Port));
        Assert.Equal("127.0.0.1", config.Listeners.Grpc.Address);
        var ports = Sequence(chart.Single("Service", Deployment), "spec", "ports").ToDictionary(p => Yaml(p, "name")!, p => (Yaml(p, "port"), Yaml(p, "targetPort")));
        Assert.Equal(["mtls", "rest"], ports.Keys.Order());
        Assert.Equal(("7443", "mtls"), ports["mtls"]);

        var dryRun = await HelmChart.KubectlDryRunAsync(chart.Text).DefaultTimeout();
        Assert.True(dryRun.ExitCode == 0, $"kubectl apply --dry-run=client failed ({dryRun.ExitCode}):\n{dryRun.StandardError}");
    }

    [Fact]
    public async Task Template_MtlsCertManagerExample_RendersCertificateForTheSpiffeIdAndMountsItsSecret()
    {
        var chart = await HelmChart.TemplateAsync("-f", HelmChart.MtlsCertManagerValues, "--namespace", "shop", "--set", "mtls.port=8443").DefaultTimeout();

        var certificate = chart.Single("Certificate", "mp-meshproxy-tls");
        Assert.Equal("cert-manager.io/v1", Yaml(certificate, "apiVersion"));
        Assert.Equal("mp-meshproxy-tls", Yaml(certificate, "spec", "secretName"));
        Assert.Equal(["spiffe://example.org/ns/shop/sa/default"], Strings(certificate, "spec", "uris"));
        Assert.Null(Node(certificate, "spec", "dnsNames"));
        Assert.Equal(["server auth", "client auth", "digital signature"], Strings(certificate, "spec", "usages"));
        Assert.Equal("ECDSA", Yaml(certificate, "spec", "privateKey", "algorithm"));
        Assert.Equal(("mesh-ca", "ClusterIssuer", "cert-manager.io"),
            (Yaml(certificate, "spec", "issuerRef", "name"), Yaml(certificate, "spec", "issuerRef", "kind"), Yaml(certificate, "spec", "issuerRef", "group")));

        var (pod, sidecar) = PodAndSidecar(chart);
        Assert.Equal("mp-meshproxy-tls", Yaml(TlsVolume(pod), "secret", "secretName"));
        AssertTlsMountAndPort(sidecar, "/var/run/secrets/meshproxy/tls", "8443");
        Assert.Contains(Sequence(chart.Single("Service", Deployment), "spec", "ports"), p => Yaml(p, "port") == "8443" && Yaml(p, "targetPort") == "mtls");

        var config = LoadRenderedConfig(chart);
        Assert.Equal("example.org", config.Tls!.TrustDomain);
        Assert.Equal(8443, config.Listeners.Mtls!.Port);
        Assert.Equal(new ClusterTlsConfig("spiffe://example.org/ns/shop/sa/users", null), config.Clusters.Single(c => c.Name == "users").Tls);

        // An explicit URI and Secret name win over the derived ones.
        var custom = await HelmChart.TemplateAsync("-f", HelmChart.MtlsCertManagerValues,
            "--set", "mtls.certManager.uri=spiffe://example.org/orders", "--set", "mtls.certManager.secretName=orders-svid").DefaultTimeout();
        Assert.Equal(["spiffe://example.org/orders"], Strings(custom.Single("Certificate", "orders-svid"), "spec", "uris"));
        Assert.Equal("orders-svid", Yaml(TlsVolume(PodAndSidecar(custom).Pod), "secret", "secretName"));
    }

    [Fact]
    public async Task Template_MtlsCsiSpiffeExample_MountsReadOnlyCsiVolumeAndPermissiveConfig()
    {
        var chart = await HelmChart.TemplateAsync("-f", HelmChart.MtlsCsiSpiffeValues, "--set", "mtls.mountPath=/var/run/svid").DefaultTimeout();

        var (pod, sidecar) = PodAndSidecar(chart);
        var volume = TlsVolume(pod);
        Assert.Equal("spiffe.csi.cert-manager.io", Yaml(volume, "csi", "driver"));
        Assert.Equal("true", Yaml(volume, "csi", "readOnly"));
        Assert.Equal("64198", Yaml(volume, "csi", "volumeAttributes", "csi.cert-manager.io/fs-group"));
        AssertTlsMountAndPort(sidecar, "/var/run/svid", "7443");
        Assert.Empty(chart.OfKind("Certificate"));

        // Permissive: the cleartext gRPC listener and Service port stay open beside mtls.
        var config = LoadRenderedConfig(chart);
        Assert.Equal(("/var/run/svid", TlsMode.Permissive), (config.Tls!.Directory, config.Tls.Mode));
        Assert.Equal("0.0.0.0", config.Listeners.Grpc.Address);
        Assert.Equal(["grpc", "mtls", "rest"], Sequence(chart.Single("Service", Deployment), "spec", "ports").Select(p => Yaml(p, "name")).Order());

        var noGroup = await HelmChart.TemplateAsync("-f", HelmChart.MtlsCsiSpiffeValues, "--set", "mtls.csiDriverSpiffe.fsGroup=").DefaultTimeout();
        Assert.Null(Node(TlsVolume(PodAndSidecar(noGroup).Pod), "csi", "volumeAttributes"));

        var dryRun = await HelmChart.KubectlDryRunAsync(chart.Text).DefaultTimeout();
        Assert.True(dryRun.ExitCode == 0, $"kubectl apply --dry-run=client failed ({dryRun.ExitCode}):\n{dryRun.StandardError}");
    }

    [Fact]
    public async Task Template_MtlsWithTwoSourcesOrNone_FailsWithReason()
    {
        var two = await HelmChart.HelmAsync("template", "mp", HelmChart.Directory, "-f", HelmChart.MtlsCsiSpiffeValues, "--set", "mtls.secret.name=orders-svid").DefaultTimeout();
        Assert.NotEqual(0, two.ExitCode);
        Assert.Contains("mtls.enabled needs exactly one certificate source", two.StandardError, StringComparison.Ordinal);
        Assert.Contains("found 2: secret, csiDriverSpiffe", two.StandardError, StringComparison.Ordinal);

        var none = await HelmChart.HelmAsync("template", "mp", HelmChart.Directory, "--set", "mtls.enabled=true").DefaultTimeout();
        Assert.NotEqual(0, none.ExitCode);
        Assert.Contains("found 0: none", none.StandardError, StringComparison.Ordinal);

        var noDomain = await HelmChart.HelmAsync("template", "mp", HelmChart.Directory, "-f", HelmChart.MtlsCertManagerValues, "--set", "mtls.trustDomain=").DefaultTimeout();
        Assert.NotEqual(0, noDomain.ExitCode);
        Assert.Contains("set mtls.trustDomain (or mtls.certManager.uri)", noDomain.StandardError, StringComparison.Ordinal);

        var grpcProbes = await HelmChart.HelmAsync("template", "mp", HelmChart.Directory, "-f", HelmChart.MtlsCertManagerValues, "--set", "sidecar.probes.kind=grpc").DefaultTimeout();
        Assert.NotEqual(0, grpcProbes.ExitCode);
        Assert.Contains("mtls.mode strict keeps the cleartext gRPC listener on loopback", grpcProbes.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Template_DefaultValues_NoMtlsPortVolumeNorTlsConfig()
    {
        var chart = await HelmChart.TemplateAsync().DefaultTimeout();

        var (pod, sidecar) = PodAndSidecar(chart);
        Assert.DoesNotContain(Sequence(pod, "volumes"), v => Yaml(v, "name") == "tls");
        Assert.DoesNotContain(Sequence(sidecar, "ports"), p => Yaml(p, "name") == "mtls");
        Assert.Empty(chart.OfKind("Certificate"));
        var config = LoadRenderedConfig(chart);
        Assert.Null(config.Tls);
        Assert.Null(config.Listeners.Mtls);
    }

    private static (YamlMappingNode Pod, YamlMappingNode Sidecar) PodAndSidecar(RenderedChart chart)
    {
        var pod = Mapping(chart.Single("Deployment", Deployment), "spec", "template", "spec");
        return (pod, Sequence(pod, "initContainers").Single(c => Yaml(c, "name") == "meshproxy"));
    }

    private static YamlMappingNode TlsVolume(YamlMappingNode pod) => Assert.Single(Sequence(pod, "volumes"), v => Yaml(v, "name") == "tls");

    private static void AssertTlsMountAndPort(YamlMappingNode sidecar, string mountPath, string port)
    {
        var mount = Assert.Single(Sequence(sidecar, "volumeMounts"), m => Yaml(m, "name") == "tls");
        Assert.Equal(mountPath, Yaml(mount, "mountPath"));
        Assert.Equal("true", Yaml(mount, "readOnly"));
        Assert.Null(Node(mount, "subPath")); // a subPath copy would never see a rotation
        Assert.Equal(port, Yaml(Sequence(sidecar, "ports").Single(p => Yaml(p, "name") == "mtls"), "containerPort"));
    }

    private static List<string> Strings(YamlNode node, params string[] path) =>
        ((YamlSequenceNode)Node(node, path)!).Children.Select(c => c.ToString()).ToList();

    private static void AssertSidecar(YamlMappingNode sidecar)
    {
        Assert.Equal("/healthz/live", Yaml(sidecar, "livenessProbe", "httpGet", "path"));
        Assert.Equal("ops", Yaml(sidecar, "livenessProbe", "httpGet", "port"));
        Assert.Equal("/healthz/ready", Yaml(sidecar, "readinessProbe", "httpGet", "path"));
        Assert.Equal("/healthz/ready", Yaml(sidecar, "startupProbe", "httpGet", "path"));
        Assert.Equal("9901", Yaml(Sequence(sidecar, "ports").Single(p => Yaml(p, "name") == "ops"), "containerPort"));

        Assert.Equal("true", Yaml(sidecar, "securityContext", "runAsNonRoot"));
        Assert.Equal("true", Yaml(sidecar, "securityContext", "readOnlyRootFilesystem"));
        Assert.Equal("false", Yaml(sidecar, "securityContext", "allowPrivilegeEscalation"));
        Assert.Equal("RuntimeDefault", Yaml(sidecar, "securityContext", "seccompProfile", "type"));
        var drop = (YamlSequenceNode)Node(sidecar, "securityContext", "capabilities", "drop")!;
        Assert.Equal(["ALL"], drop.Children.Select(c => c.ToString()));

        Assert.Equal("100m", Yaml(sidecar, "resources", "requests", "cpu"));
        Assert.Equal("64Mi", Yaml(sidecar, "resources", "requests", "memory"));
        Assert.Equal("128Mi", Yaml(sidecar, "resources", "limits", "memory"));
        Assert.Contains(Sequence(sidecar, "volumeMounts"), m => Yaml(m, "mountPath") == "/tmp");
    }

    private static MeshProxyConfig LoadRenderedConfig(RenderedChart chart)
    {
        var yaml = Yaml(chart.Single("ConfigMap", "mp-meshproxy-config"), "data", "meshproxy.yaml")!;
        var result = ConfigLoader.Load(yaml);
        Assert.True(result.Succeeded, string.Join('\n', result.Errors) + "\n" + yaml);
        return result.Config;
    }

    private static string PodTemplate(RenderedChart chart) =>
        Mapping(chart.Single("Deployment", Deployment), "spec", "template").ToString();
}
