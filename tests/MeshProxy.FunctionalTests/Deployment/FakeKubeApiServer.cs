using System.Text.Json.Nodes;
using MeshProxy.TestSupport;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace MeshProxy.FunctionalTests.Deployment;

/// <summary>
/// Just enough of a Kubernetes API server for <c>kubectl apply --dry-run=client</c>, which still maps each kind to a
/// resource through API discovery (<c>/api</c>, <c>/apis</c>, one resource list per group version) and asks whether
/// each object exists (here it never does: 404, so every object is "created (dry run)"). Kinds missing from the lists
/// below make kubectl fail with "no matches for kind", which is what the test wants to catch.
/// </summary>
internal sealed class FakeKubeApiServer : IAsyncDisposable
{
    private static readonly (string GroupVersion, string Kind, string Resource)[] Resources =
    [
        ("v1", "ConfigMap", "configmaps"),
        ("v1", "Service", "services"),
        ("v1", "ServiceAccount", "serviceaccounts"),
        ("v1", "Pod", "pods"),
        ("apps/v1", "Deployment", "deployments"),
        ("apps/v1", "StatefulSet", "statefulsets"),
        ("apps/v1", "DaemonSet", "daemonsets"),
        ("batch/v1", "Job", "jobs"),
        ("policy/v1", "PodDisruptionBudget", "poddisruptionbudgets"),
        ("rbac.authorization.k8s.io/v1", "Role", "roles"),
        ("rbac.authorization.k8s.io/v1", "RoleBinding", "rolebindings"),
    ];

    private readonly LoopbackServer _server;

    private FakeKubeApiServer(LoopbackServer server) => _server = server;

    public Uri Address => new(_server.Address);

    public static async Task<FakeKubeApiServer> StartAsync()
    {
        var documents = Discovery();
        // kubectl speaks HTTP/1.1 in cleartext.
        var server = await LoopbackServer.StartAsync(context =>
        {
            var path = context.Request.Path.Value ?? "/";
            context.Response.ContentType = "application/json";
            if (HttpMethods.IsGet(context.Request.Method) && documents.TryGetValue(path, out var document))
            {
                return context.Response.WriteAsync(document, context.RequestAborted);
            }

            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return context.Response.WriteAsync(
                """{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","reason":"NotFound","code":404}""",
                context.RequestAborted);
        }, HttpProtocols.Http1AndHttp2).ConfigureAwait(false);
        return new FakeKubeApiServer(server);
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private static Dictionary<string, string> Discovery()
    {
        var documents = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["/api"] = new JsonObject { ["kind"] = "APIVersions", ["versions"] = new JsonArray("v1") }.ToJsonString(),
        };

        var groups = new JsonArray();
        foreach (var groupVersion in Resources.Select(r => r.GroupVersion).Distinct())
        {
            var resources = new JsonArray();
            foreach (var (_, kind, resource) in Resources.Where(r => r.GroupVersion == groupVersion))
            {
                resources.Add(new JsonObject
                {
                    ["name"] = resource,
                    ["singularName"] = kind.ToLowerInvariant(),
                    ["namespaced"] = true,
                    ["kind"] = kind,
                    ["verbs"] = new JsonArray("create", "get", "list", "patch", "update", "delete"),
                });
            }

            var list = new JsonObject { ["kind"] = "APIResourceList", ["apiVersion"] = "v1", ["groupVersion"] = groupVersion, ["resources"] = resources };
            if (groupVersion == "v1")
            {
                documents["/api/v1"] = list.ToJsonString();
                continue;
            }

            documents["/apis/" + groupVersion] = list.ToJsonString();
            var (group, version) = (groupVersion.Split('/')[0], groupVersion.Split('/')[1]);
            groups.Add(new JsonObject
            {
                ["name"] = group,
                ["versions"] = new JsonArray(new JsonObject { ["groupVersion"] = groupVersion, ["version"] = version }),
                ["preferredVersion"] = new JsonObject { ["groupVersion"] = groupVersion, ["version"] = version },
            });
        }

        documents["/apis"] = new JsonObject { ["kind"] = "APIGroupList", ["apiVersion"] = "v1", ["groups"] = groups }.ToJsonString();
        return documents;
    }
}
