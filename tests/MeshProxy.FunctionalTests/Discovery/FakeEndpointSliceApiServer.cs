using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using MeshProxy.TestSupport;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace MeshProxy.FunctionalTests.Discovery;

/// <summary>One endpoint of a fake EndpointSlice: a pod's address and its conditions.</summary>
internal sealed record FakeEndpoint(string Ip, string Pod, bool Ready = true, bool Serving = true, bool Terminating = false);

/// <summary>
/// The EndpointSlice part of a Kubernetes API server on loopback (HTTP/1.1, as the sidecar speaks it), by
/// the API's documented list and watch protocol: a list returns the items and the collection's resourceVersion; a
/// watch (<c>?watch=true&amp;resourceVersion=N</c>) streams one JSON event per line, first every change after N, then
/// changes as they happen, BOOKMARK events on request; a resourceVersion older than the compacted history gets an
/// ERROR event with a 410 Status (as the real server answers "too old resource version") and the stream ends. Only
/// the <c>kubernetes.io/service-name=NAME</c> label selector is understood. A test changes slices, compacts the
/// history, drops open watches, and can make the server unavailable (503). Started with TLS it serves HTTPS with the
/// given certificate and may require a client certificate; with <see cref="RequiredToken"/> set it answers 401 to a
/// request without that bearer token, as an API server does to a missing or expired one.
/// </summary>
internal sealed class FakeEndpointSliceApiServer : IAsyncDisposable
{
    private const string ServiceLabel = "kubernetes.io/service-name";

    private readonly Lock _lock = new();
    private readonly Dictionary<(string Namespace, string Name), JsonObject> _slices = [];
    private readonly List<(long ResourceVersion, string Type, JsonObject Object)> _history = [];
    private readonly List<OpenWatch> _watches = [];
    private readonly List<TaskCompletionSource<string>> _watchWaiters = [];
    private LoopbackServer _server = null!;
    private long _resourceVersion = 100;
    private long _compacted;
    private int _lists;
    private readonly List<string> _authorizations = [];
    private readonly List<string> _clientCertificates = [];
    private volatile bool _unavailable;
    private volatile string? _requiredToken;

    public Uri Address => new(_server.Address);

    /// <summary>List requests served so far.</summary>
    public int Lists => Volatile.Read(ref _lists);

    /// <summary>The collection's current resourceVersion.</summary>
    public long ResourceVersion
    {
        get
        {
            lock (_lock)
            {
                return _resourceVersion;
            }
        }
    }

    /// <summary>When set, a request without <c>Authorization: Bearer</c> this token gets 401.</summary>
    public string? RequiredToken
    {
        get => _requiredToken;
        set => _requiredToken = value;
    }

    /// <summary>The Authorization header of every request so far ("" when it had none).</summary>
    public IReadOnlyList<string> Authorizations
    {
        get
        {
            lock (_lock)
            {
                return [.. _authorizations];
            }
        }
    }

    /// <summary>The subject of the client certificate of every request that had one.</summary>
    public IReadOnlyList<string> ClientCertificates
    {
        get
        {
            lock (_lock)
            {
                return [.. _clientCertificates];
            }
        }
    }

    /// <summary>While true every request gets 503, as from an API server that is restarting.</summary>
    public bool Unavailable
    {
        get => _unavailable;
        set => _unavailable = value;
    }

    /// <summary>Starts the server: cleartext, or HTTPS with <paramref name="certificate"/> and, when <paramref name="clientAuthority"/> is given, only client certificates it issued.</summary>
    public static async Task<FakeEndpointSliceApiServer> StartAsync(X509Certificate2? certificate = null, X509Certificate2? clientAuthority = null)
    {
        var server = new FakeEndpointSliceApiServer();
        Action<HttpsConnectionAdapterOptions>? https = certificate is null ? null : options =>
        {
            options.ServerCertificate = certificate;
            if (clientAuthority is not null)
            {
                options.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
                options.ClientCertificateValidation = (client, _, _) => IssuedBy(client, clientAuthority);
            }
        };
        server._server = await LoopbackServer.StartAsync(server.HandleAsync, HttpProtocols.Http1, https: https).ConfigureAwait(false);
        return server;
    }

    /// <summary>Completes with the resourceVersion of the next watch request that arrives after this call.</summary>
    public Task<string> NextWatch()
    {
        var done = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            _watchWaiters.Add(done);
        }

        return done.Task;
    }

    /// <summary>Creates or replaces the slice <paramref name="name"/> of Service <paramref name="service"/>.</summary>
    public void Apply(string @namespace, string service, string name, string portName, int port, params FakeEndpoint[] endpoints)
    {
        var slice = new JsonObject
        {
            ["apiVersion"] = "discovery.k8s.io/v1",
            ["kind"] = "EndpointSlice",
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["namespace"] = @namespace,
                ["labels"] = new JsonObject { [ServiceLabel] = service },
            },
            ["addressType"] = "IPv4",
            ["ports"] = new JsonArray(new JsonObject { ["name"] = portName, ["port"] = port, ["protocol"] = "TCP" }),
            ["endpoints"] = new JsonArray([.. endpoints.Select(e => (JsonNode)new JsonObject
            {
                ["addresses"] = new JsonArray(e.Ip),
                ["conditions"] = new JsonObject { ["ready"] = e.Ready, ["serving"] = e.Serving, ["terminating"] = e.Terminating },
                ["targetRef"] = new JsonObject { ["kind"] = "Pod", ["name"] = e.Pod, ["namespace"] = @namespace },
            })]),
        };
        lock (_lock)
        {
            var type = _slices.ContainsKey((@namespace, name)) ? "MODIFIED" : "ADDED";
            _slices[(@namespace, name)] = slice;
            Record(type, slice);
        }
    }

    public void Delete(string @namespace, string name)
    {
        lock (_lock)
        {
            if (_slices.Remove((@namespace, name), out var slice))
            {
                Record("DELETED", slice);
            }
        }
    }

    /// <summary>Sends a BOOKMARK with the current resourceVersion on every open watch; returns that version.</summary>
    public long Bookmark()
    {
        lock (_lock)
        {
            var bookmark = new JsonObject
            {
                ["type"] = "BOOKMARK",
                ["object"] = new JsonObject
                {
                    ["apiVersion"] = "discovery.k8s.io/v1",
                    ["kind"] = "EndpointSlice",
                    ["metadata"] = new JsonObject { ["resourceVersion"] = _resourceVersion.ToString(CultureInfo.InvariantCulture) },
                },
            }.ToJsonString();
            foreach (var watch in _watches)
            {
                watch.Events.Writer.TryWrite(bookmark);
            }

            return _resourceVersion;
        }
    }

    /// <summary>Forgets the change history: a watch from any earlier resourceVersion gets 410 Gone.</summary>
    public void Compact()
    {
        lock (_lock)
        {
            _compacted = _resourceVersion;
            _history.Clear();
        }
    }

    /// <summary>Cuts every open watch connection, as a restarting API server or a broken network does.</summary>
    public void DropWatches()
    {
        lock (_lock)
        {
            foreach (var watch in _watches)
            {
                watch.Context.Abort();
            }

            _watches.Clear();
        }
    }

    /// <summary>Writes a kubeconfig that points at this server (plain http, a token, namespace <paramref name="namespace"/>).</summary>
    public string WriteKubeconfig(string directory, string @namespace)
    {
        var path = Path.Combine(directory, "kubeconfig");
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            clusters:
              - name: fake
                cluster:
                  server: {_server.Address}
            users:
              - name: fake
                user:
                  token: test-token
            contexts:
              - name: fake
                context:
                  cluster: fake
                  user: fake
                  namespace: {@namespace}
            current-context: fake
            """);
        return path;
    }

    public ValueTask DisposeAsync()
    {
        DropWatches();
        return _server.DisposeAsync();
    }

    private static string Event(string type, JsonNode obj) => new JsonObject { ["type"] = type, ["object"] = obj.DeepClone() }.ToJsonString();

    private static bool Matches(JsonObject slice, string @namespace, string? service) =>
        slice["metadata"]!["namespace"]!.GetValue<string>() == @namespace
        && (service is null || slice["metadata"]!["labels"]?[ServiceLabel]?.GetValue<string>() == service);

    // Under the lock: a new resourceVersion for the change, kept in the history and sent to open watches.
    private void Record(string type, JsonObject slice)
    {
        _resourceVersion++;
        slice["metadata"]!["resourceVersion"] = _resourceVersion.ToString(CultureInfo.InvariantCulture);
        var copy = (JsonObject)slice.DeepClone();
        _history.Add((_resourceVersion, type, copy));
        foreach (var watch in _watches)
        {
            if (Matches(copy, watch.Namespace, watch.Service))
            {
                watch.Events.Writer.TryWrite(Event(type, copy));
            }
        }
    }

    private static bool IssuedBy(X509Certificate2 client, X509Certificate2 authority)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(client);
    }

    private async Task HandleAsync(HttpContext context)
    {
        var response = context.Response;
        response.ContentType = "application/json";
        var segments = (context.Request.Path.Value ?? string.Empty).Trim('/').Split('/');
        var authorization = context.Request.Headers.Authorization.ToString();
        lock (_lock)
        {
            _authorizations.Add(authorization);
            if (context.Connection.ClientCertificate is { } client)
            {
                _clientCertificates.Add(client.Subject);
            }
        }

        if (_requiredToken is { } token && authorization != "Bearer " + token)
        {
            response.StatusCode = StatusCodes.Status401Unauthorized;
            await response.WriteAsync(Status(401, "Unauthorized", "Unauthorized"));
            return;
        }

        if (_unavailable)
        {
            response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            await response.WriteAsync(Status(503, "ServiceUnavailable", "the API server is restarting"));
            return;
        }

        // /apis/discovery.k8s.io/v1/namespaces/{ns}/endpointslices
        if (segments is not ["apis", "discovery.k8s.io", "v1", "namespaces", var ns, "endpointslices"] || !HttpMethods.IsGet(context.Request.Method))
        {
            response.StatusCode = StatusCodes.Status404NotFound;
            await response.WriteAsync(Status(404, "NotFound", "not served by this fake"));
            return;
        }

        var query = context.Request.Query;
        var selector = query["labelSelector"].ToString();
        string? service = selector.StartsWith(ServiceLabel + "=", StringComparison.Ordinal) ? selector[(ServiceLabel.Length + 1)..] : null;
        if (query["watch"] is ["true" or "1"])
        {
            await WatchAsync(context, ns, service, query["resourceVersion"].ToString());
            return;
        }

        Interlocked.Increment(ref _lists);
        string list;
        lock (_lock)
        {
            list = new JsonObject
            {
                ["apiVersion"] = "discovery.k8s.io/v1",
                ["kind"] = "EndpointSliceList",
                ["metadata"] = new JsonObject { ["resourceVersion"] = _resourceVersion.ToString(CultureInfo.InvariantCulture) },
                ["items"] = new JsonArray([.. _slices.Values.Where(s => Matches(s, ns, service)).Select(s => s.DeepClone())]),
            }.ToJsonString();
        }

        await response.WriteAsync(list);
    }

    private async Task WatchAsync(HttpContext context, string ns, string? service, string resourceVersion)
    {
        var from = long.TryParse(resourceVersion, CultureInfo.InvariantCulture, out var parsed) ? parsed : 0;
        OpenWatch? watch = new(context, ns, service);
        var backlog = new List<string>();
        lock (_lock)
        {
            foreach (var waiter in _watchWaiters)
            {
                waiter.TrySetResult(resourceVersion);
            }

            _watchWaiters.Clear();
            if (from < _compacted)
            {
                backlog.Add(Event("ERROR", JsonNode.Parse(Status(410, "Expired", $"too old resource version: {from} ({_compacted})"))!));
                watch = null;
            }
            else
            {
                backlog.AddRange(_history.Where(h => h.ResourceVersion > from && Matches(h.Object, ns, service)).Select(h => Event(h.Type, h.Object)));
                _watches.Add(watch);
            }
        }

        var response = context.Response;
        try
        {
            // Inside the try: a client gone before the response starts must still leave _watches, or a later
            // DropWatches aborts a context the server has already disposed.
            await response.StartAsync(context.RequestAborted);
            foreach (var line in backlog)
            {
                await WriteLineAsync(response, line, context.RequestAborted);
            }

            if (watch is null)
            {
                return;
            }

            await foreach (var line in watch.Events.Reader.ReadAllAsync(context.RequestAborted))
            {
                await WriteLineAsync(response, line, context.RequestAborted);
            }
        }
        catch (OperationCanceledException)
        {
            // The client left, or the test dropped the connection.
        }
        finally
        {
            if (watch is not null)
            {
                lock (_lock)
                {
                    _watches.Remove(watch);
                }
            }
        }
    }

    private static async Task WriteLineAsync(HttpResponse response, string line, CancellationToken cancellationToken)
    {
        await response.Body.WriteAsync(Encoding.UTF8.GetBytes(line + "\n"), cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }

    private static string Status(int code, string reason, string message) => new JsonObject
    {
        ["kind"] = "Status",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject(),
        ["status"] = "Failure",
        ["message"] = message,
        ["reason"] = reason,
        ["code"] = code,
    }.ToJsonString();

    private sealed class OpenWatch(HttpContext context, string @namespace, string? service)
    {
        public HttpContext Context { get; } = context;

        public string Namespace { get; } = @namespace;

        public string? Service { get; } = service;

        public Channel<string> Events { get; } = Channel.CreateUnbounded<string>();
    }
}
