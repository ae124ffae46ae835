using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace MeshProxy.Cli.Inject;

/// <summary>
/// Adds the MeshProxy sidecar to the pod templates of Kubernetes manifests, or removes it, as <c>linkerd inject</c>
/// does: Deployment, StatefulSet, DaemonSet and Job (<c>spec.template.spec</c>), Pod (<c>spec</c>), and the items of
/// a List. The sidecar is a native sidecar (an init container with <c>restartPolicy: Always</c>, Kubernetes 1.29+)
/// placed first, so it is up before the application starts and stops after it; it gets the config volume (a
/// ConfigMap mounted as a directory, so edits arrive live), a writable /tmp, probes, ports and the hardened security
/// context of helm/meshproxy. Everything it adds is named <c>meshproxy</c>/<c>meshproxy-*</c>: injecting twice
/// changes nothing, and uninjecting removes exactly that. Other resources pass through untouched.
/// </summary>
internal sealed class SidecarInjector(InjectOptions options)
{
    public const string ContainerName = "meshproxy";
    public const string ConfigVolume = "meshproxy-config";
    public const string TmpVolume = "meshproxy-tmp";
    public const string Annotation = "meshproxy.io/inject";

    private static readonly HashSet<string> TemplateKinds = new(StringComparer.Ordinal) { "Deployment", "StatefulSet", "DaemonSet", "Job" };

    /// <summary>Injects into (or uninjects from) one document's root; returns how many pod specs it changed.</summary>
    public int Apply(YamlNode root)
    {
        if (root is not YamlMappingNode resource || Scalar(resource, "kind") is not { } kind)
        {
            return 0;
        }

        if (kind == "List" && resource.Children.TryGetValue(new YamlScalarNode("items"), out var items) && items is YamlSequenceNode list)
        {
            return list.Children.Sum(Apply);
        }

        // A workload's pod template (spec.template), or the Pod itself.
        var pod = kind == "Pod" ? resource : TemplateKinds.Contains(kind) ? Child(Child(resource, "spec"), "template") : null;
        if (Child(pod, "spec") is not { } podSpec)
        {
            return 0;
        }

        if (!options.Uninject)
        {
            return Add(Child(pod, "metadata", create: true)!, podSpec);
        }

        var removed = Remove(Child(pod, "metadata"), podSpec);

        // A template that had no metadata before inject gets none back.
        if (Child(pod, "metadata") is { Children.Count: 0 })
        {
            pod!.Children.Remove(new YamlScalarNode("metadata"));
        }

        return removed;
    }

    private int Add(YamlMappingNode metadata, YamlMappingNode spec)
    {
        if (Sequence(spec, "containers") is { } containers && containers.Children.Any(c => Scalar(c, "name") == ContainerName))
        {
            // Injected by the older "second container" form: leave it as it is.
            return 0;
        }

        var initContainers = Sequence(spec, "initContainers", create: true)!;
        var changed = 0;
        if (!initContainers.Children.Any(c => Scalar(c, "name") == ContainerName))
        {
            initContainers.Children.Insert(0, Sidecar());
            changed = 1;
        }

        var volumes = Sequence(spec, "volumes", create: true)!;
        foreach (var volume in Volumes())
        {
            if (!volumes.Children.Any(v => Scalar(v, "name") == Scalar(volume, "name")))
            {
                volumes.Children.Add(volume);
                changed = 1;
            }
        }

        var annotations = Child(metadata, "annotations", create: true)!;
        if (Scalar(annotations, Annotation) != "enabled")
        {
            annotations.Children[new YamlScalarNode(Annotation)] = new YamlScalarNode("enabled");
            changed = 1;
        }

        return changed;
    }

    private static int Remove(YamlMappingNode? metadata, YamlMappingNode spec)
    {
        var removed = 0;
        removed += RemoveNamed(spec, "initContainers", ContainerName);
        removed += RemoveNamed(spec, "containers", ContainerName);
        removed += RemoveNamed(spec, "volumes", ConfigVolume, TmpVolume);
        if (Child(metadata, "annotations") is { } annotations && annotations.Children.Remove(new YamlScalarNode(Annotation)))
        {
            removed++;
            if (annotations.Children.Count == 0)
            {
                metadata!.Children.Remove(new YamlScalarNode("annotations"));
            }
        }

        return removed > 0 ? 1 : 0;
    }

    // Removes the named items of a list, and the list itself when that leaves it empty.
    private static int RemoveNamed(YamlMappingNode spec, string key, params string[] names)
    {
        if (Sequence(spec, key) is not { } list)
        {
            return 0;
        }

        var removed = 0;
        for (var i = list.Children.Count - 1; i >= 0; i--)
        {
            if (Scalar(list.Children[i], "name") is { } name && names.Contains(name))
            {
                list.Children.RemoveAt(i);
                removed++;
            }
        }

        if (list.Children.Count == 0)
        {
            spec.Children.Remove(new YamlScalarNode(key));
        }

        return removed;
    }

    private YamlMappingNode Sidecar() => Parse($$"""
        name: {{ContainerName}}
        image: {{options.Image}}
        imagePullPolicy: IfNotPresent
        restartPolicy: Always
        args: ["run", "--config", "/etc/meshproxy/meshproxy.yaml"]
        ports:
          - { name: mp-grpc, containerPort: {{options.GrpcPort.ToString(CultureInfo.InvariantCulture)}}, protocol: TCP }
          - { name: mp-rest, containerPort: {{options.RestPort.ToString(CultureInfo.InvariantCulture)}}, protocol: TCP }
          - { name: mp-ops, containerPort: {{options.OpsPort.ToString(CultureInfo.InvariantCulture)}}, protocol: TCP }
        startupProbe:
          httpGet: { path: /healthz/ready, port: mp-ops }
          periodSeconds: 1
          failureThreshold: 60
          timeoutSeconds: 1
        livenessProbe:
          httpGet: { path: /healthz/live, port: mp-ops }
          periodSeconds: 10
          failureThreshold: 3
          timeoutSeconds: 1
        readinessProbe:
          httpGet: { path: /healthz/ready, port: mp-ops }
          periodSeconds: 2
          failureThreshold: 1
          timeoutSeconds: 1
        resources:
          requests: { cpu: 100m, memory: 64Mi }
          limits: { memory: 128Mi }
        securityContext:
          runAsNonRoot: true
          runAsUser: 64198
          runAsGroup: 64198
          readOnlyRootFilesystem: true
          allowPrivilegeEscalation: false
          capabilities: { drop: ["ALL"] }
          seccompProfile: { type: RuntimeDefault }
        volumeMounts:
          - { name: {{ConfigVolume}}, mountPath: /etc/meshproxy, readOnly: true }
          - { name: {{TmpVolume}}, mountPath: /tmp }
        """);

    private IEnumerable<YamlMappingNode> Volumes() =>
    [
        // The whole ConfigMap as a directory, never subPath: a subPath mount is a copy the kubelet never refreshes.
        Parse($"name: {ConfigVolume}\nconfigMap: {{ name: {options.ConfigMap} }}"),
        Parse($"name: {TmpVolume}\nemptyDir: {{ sizeLimit: 64Mi }}"),
    ];

    private static YamlMappingNode Parse(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    private static string? Scalar(YamlNode node, string key) =>
        node is YamlMappingNode map && map.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlScalarNode scalar ? scalar.Value : null;

    private static YamlMappingNode? Child(YamlMappingNode? node, string key, bool create = false)
    {
        if (node is null)
        {
            return null;
        }

        if (node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlMappingNode map)
        {
            return map;
        }

        if (!create)
        {
            return null;
        }

        var created = new YamlMappingNode();
        node.Children[new YamlScalarNode(key)] = created;
        return created;
    }

    private static YamlSequenceNode? Sequence(YamlMappingNode node, string key, bool create = false)
    {
        if (node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlSequenceNode list)
        {
            return list;
        }

        if (!create)
        {
            return null;
        }

        var created = new YamlSequenceNode();
        node.Children[new YamlScalarNode(key)] = created;
        return created;
    }
}
