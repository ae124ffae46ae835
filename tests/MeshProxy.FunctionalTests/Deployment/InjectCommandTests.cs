using MeshProxy.Cli;
using MeshProxy.TestSupport;
using YamlDotNet.RepresentationModel;
using static MeshProxy.FunctionalTests.Deployment.RenderedChart;

namespace MeshProxy.FunctionalTests.Deployment;

/// <summary>
/// <c>meshproxy inject</c> on real manifests: the native sidecar with its volumes, probes, ports and security context in
/// every workload kind, nothing else touched, idempotent, reversible with <c>--uninject</c>, and accepted by the real
/// kubectl (<c>apply --dry-run=client</c>).
/// </summary>
public sealed class InjectCommandTests : IClassFixture<KubeToolsFixture>
{
    private const string Manifests = """
        apiVersion: apps/v1
        kind: Deployment
        metadata: { name: users, namespace: default }
        spec:
          replicas: 2
          selector: { matchLabels: { app: users } }
          template:
            metadata: { labels: { app: users } }
            spec:
              containers:
                - name: app
                  image: users:1.0
                  ports: [ { containerPort: 50051 } ]
        ---
        apiVersion: v1
        kind: Service
        metadata: { name: users, namespace: default }
        spec:
          selector: { app: users }
          ports: [ { name: grpc, port: 50051 } ]
        ---
        apiVersion: apps/v1
        kind: StatefulSet
        metadata: { name: store, namespace: default }
        spec:
          serviceName: store
          selector: { matchLabels: { app: store } }
          template:
            metadata: { labels: { app: store } }
            spec:
              initContainers: [ { name: migrate, image: store:1.0 } ]
              containers: [ { name: app, image: store:1.0 } ]
              volumes: [ { name: data, emptyDir: {} } ]
        ---
        apiVersion: apps/v1
        kind: DaemonSet
        metadata: { name: agent, namespace: default }
        spec:
          selector: { matchLabels: { app: agent } }
          template:
            metadata: { labels: { app: agent } }
            spec: { containers: [ { name: app, image: agent:1.0 } ] }
        ---
        apiVersion: batch/v1
        kind: Job
        metadata: { name: report, namespace: default }
        spec:
          template:
            spec:
              restartPolicy: Never
              containers: [ { name: app, image: report:1.0 } ]
        ---
        apiVersion: v1
        kind: Pod
        metadata: { name: debug, namespace: default }
        spec: { containers: [ { name: app, image: debug:1.0 } ] }
        """;

    [Fact]
    public async Task Inject_EveryWorkloadKind_NativeSidecarFirstWithVolumesProbesPortsAndHardening()
    {
        var (exit, output, error) = await InjectAsync(Manifests);

        Assert.Equal(0, exit);
        Assert.Contains("injected 5 pod template(s) in 6 document(s)", error, StringComparison.Ordinal);
        var objects = Parse(output).Objects;
        Assert.Equal(["Deployment", "Service", "StatefulSet", "DaemonSet", "Job", "Pod"], objects.Select(o => Yaml(o, "kind")));
        foreach (var workload in objects.Where(o => Yaml(o, "kind") != "Service"))
        {
            var pod = Yaml(workload, "kind") == "Pod" ? Mapping(workload, "spec") : Mapping(workload, "spec", "template", "spec");
            var sidecar = Sequence(pod, "initContainers")[0];
            Assert.Equal("meshproxy", Yaml(sidecar, "name"));
            Assert.Equal("Always", Yaml(sidecar, "restartPolicy"));
            Assert.Equal("/healthz/ready", Yaml(sidecar, "readinessProbe", "httpGet", "path"));
            Assert.Equal("/healthz/live", Yaml(sidecar, "livenessProbe", "httpGet", "path"));
            Assert.Equal("/healthz/ready", Yaml(sidecar, "startupProbe", "httpGet", "path"));
            Assert.Contains(Sequence(sidecar, "ports"), p => Yaml(p, "containerPort") == "7070");
            Assert.Equal("true", Yaml(sidecar, "securityContext", "readOnlyRootFilesystem"));
            Assert.Equal("64Mi", Yaml(sidecar, "resources", "requests", "memory"));
            Assert.Equal("128Mi", Yaml(sidecar, "resources", "limits", "memory"));
            Assert.Equal("true", Yaml(sidecar, "securityContext", "runAsNonRoot"));
            Assert.Contains(Sequence(sidecar, "volumeMounts"), m => Yaml(m, "mountPath") == "/etc/meshproxy");
            Assert.Contains(Sequence(pod, "volumes"), v => Yaml(v, "name") == "meshproxy-config" && Yaml(v, "configMap", "name") == "meshproxy-config");
            Assert.Contains(Sequence(pod, "volumes"), v => Yaml(v, "name") == "meshproxy-tmp");
            Assert.Equal("app", Yaml(Sequence(pod, "containers")[0], "name"));
        }

        // The StatefulSet's own init container and volume stay, after the sidecar.
        var store = Mapping(objects[2], "spec", "template", "spec");
        Assert.Equal(["meshproxy", "migrate"], Sequence(store, "initContainers").Select(c => Yaml(c, "name")));
        Assert.Equal(["data", "meshproxy-config", "meshproxy-tmp"], Sequence(store, "volumes").Select(v => Yaml(v, "name")));

        // The Service is untouched.
        Assert.Equal(Normalize(Document(Manifests, 1)), Normalize(Document(output, 1)));
    }

    [Fact]
    public async Task Inject_Twice_SecondChangesNothing()
    {
        var once = (await InjectAsync(Manifests)).Output;
        var (exit, twice, error) = await InjectAsync(once);

        Assert.Equal(0, exit);
        Assert.Equal(once, twice);
        Assert.Contains("injected 0 pod template(s)", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Uninject_InjectedManifests_BackToTheOriginal()
    {
        var injected = (await InjectAsync(Manifests, "--image", "registry.example/meshproxy:1.2", "--config-map", "users-mesh")).Output;
        Assert.Contains("registry.example/meshproxy:1.2", injected, StringComparison.Ordinal);
        Assert.Contains("users-mesh", injected, StringComparison.Ordinal);

        var (exit, uninjected, _) = await InjectAsync(injected, "--uninject");

        Assert.Equal(0, exit);
        Assert.Equal(Normalize(Manifests), Normalize(uninjected));
    }

    [Fact]
    public async Task Inject_ListAndUnknownKinds_ItemsInjectedOthersUntouched()
    {
        const string list = """
            apiVersion: v1
            kind: List
            items:
              - apiVersion: v1
                kind: Pod
                metadata: { name: a }
                spec: { containers: [ { name: app, image: a:1 } ] }
              - apiVersion: example.com/v1
                kind: Widget
                metadata: { name: w }
                spec: { template: { spec: { containers: [ { name: app, image: w:1 } ] } } }
            """;

        var (exit, output, _) = await InjectAsync(list);

        Assert.Equal(0, exit);
        var items = Sequence(Parse(output).Objects[0], "items");
        Assert.Equal("meshproxy", Yaml(Sequence(items[0], "spec", "initContainers")[0], "name"));
        Assert.Null(Node(items[1], "spec", "template", "spec", "initContainers"));
    }

    [Fact]
    public async Task Inject_NotYaml_FailsWithThePlace()
    {
        var (exit, _, error) = await InjectAsync("kind: [unclosed");

        Assert.Equal(ExitCodes.Failure, exit);
        Assert.Contains("stdin is not YAML", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KubectlDryRun_InjectedManifests_Accepted()
    {
        var output = (await InjectAsync(Manifests)).Output;

        var result = await HelmChart.KubectlDryRunAsync(output).DefaultTimeout();

        Assert.True(result.ExitCode == 0, $"kubectl apply --dry-run=client failed ({result.ExitCode}):\n{result.StandardError}");
        Assert.Equal(6, result.StandardOutput.Split('\n').Count(l => l.EndsWith("created (dry run)", StringComparison.Ordinal)));
    }

    private static async Task<(int Exit, string Output, string Error)> InjectAsync(string input, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await InjectCommand.RunAsync(args, new StringReader(input), new CommandContext(output, error, CancellationToken.None)).DefaultTimeout();
        return (exit, output.ToString(), error.ToString());
    }

    private static YamlNode Document(string yaml, int index)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return stream.Documents[index].RootNode;
    }

    // The same YAML serializer on both sides, so a comparison sees content, not formatting.
    private static string Normalize(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        using var writer = new StringWriter();
        stream.Save(writer, assignAnchors: false);
        return writer.ToString();
    }

    private static string Normalize(YamlNode node)
    {
        using var writer = new StringWriter();
        new YamlStream(new YamlDocument(node)).Save(writer, assignAnchors: false);
        return writer.ToString();
    }
}
