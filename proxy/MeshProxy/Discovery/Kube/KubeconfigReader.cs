using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace MeshProxy.Discovery.Kube;

/// <summary>
/// Reads kubeconfig files (Kubernetes docs, "Organizing Cluster Access Using kubeconfig Files") into
/// <see cref="KubeApiSettings"/> for the current context. Several files merge as kubectl merges <c>$KUBECONFIG</c>:
/// the first file to name a cluster, user or context, or to set <c>current-context</c>, wins. Paths in a file are
/// relative to that file's folder. Users authenticate by <c>token</c>, <c>tokenFile</c>, <c>username</c>/<c>password</c>,
/// client certificate, or an <c>exec</c> plugin; the removed <c>auth-provider</c> plugins are refused by name.
/// </summary>
internal static class KubeconfigReader
{
    /// <summary>The settings of the files' current context; a <see cref="KubeconfigException"/> naming the file and key when they cannot be used.</summary>
    /// <param name="paths">The files in merge order; missing ones are skipped, but at least one must exist.</param>
    /// <param name="time">The clock credential caches run on.</param>
    public static KubeApiSettings Read(IReadOnlyList<string> paths, TimeProvider time)
    {
        var clusters = new Dictionary<string, Entry>(StringComparer.Ordinal);
        var users = new Dictionary<string, Entry>(StringComparer.Ordinal);
        var contexts = new Dictionary<string, Entry>(StringComparer.Ordinal);
        string? current = null;
        string? first = null;
        foreach (var path in paths)
        {
            if (!File.Exists(path))
            {
                continue;
            }

            first ??= path;
            var root = Load(path);
            Merge(root, path, "clusters", "cluster", clusters);
            Merge(root, path, "users", "user", users);
            Merge(root, path, "contexts", "context", contexts);
            current ??= Scalar(root, "current-context", path) is { Length: > 0 } name ? name : null;
        }

        if (first is null)
        {
            throw new KubeconfigException($"no kubeconfig file at {string.Join(", ", paths)}");
        }

        if (current is null)
        {
            throw new KubeconfigException($"kubeconfig {first}: no current-context is set");
        }

        var context = contexts.GetValueOrDefault(current)
            ?? throw new KubeconfigException($"kubeconfig {first}: current-context '{current}' is not among its contexts");
        var clusterName = Scalar(context.Body, "cluster", context.Where)
            ?? throw new KubeconfigException($"kubeconfig {context.File}: context '{current}' names no cluster");
        var cluster = clusters.GetValueOrDefault(clusterName)
            ?? throw new KubeconfigException($"kubeconfig {context.File}: context '{current}' names cluster '{clusterName}', which no kubeconfig defines");
        var userName = Scalar(context.Body, "user", context.Where);
        Entry? user = null;
        if (userName is { Length: > 0 } && !users.TryGetValue(userName, out user))
        {
            throw new KubeconfigException($"kubeconfig {context.File}: context '{current}' names user '{userName}', which no kubeconfig defines");
        }

        var @namespace = Scalar(context.Body, "namespace", context.Where) is { Length: > 0 } ns ? ns : "default";
        return Settings(cluster, user, @namespace, $"kubeconfig {context.File}, context {current}", time);
    }

    private static KubeApiSettings Settings(Entry cluster, Entry? user, string @namespace, string source, TimeProvider time)
    {
        var where = cluster.Where;
        var serverText = Scalar(cluster.Body, "server", where) ?? throw new KubeconfigException($"{where}: no server");
        if (!Uri.TryCreate(serverText, UriKind.Absolute, out var server) || server.Scheme is not ("https" or "http"))
        {
            throw new KubeconfigException($"{where}.server: '{serverText}' is not an http or https address");
        }

        var settings = new KubeApiSettings(server, @namespace, source)
        {
            Authority = Pem(cluster, "certificate-authority") is { } ca ? KubeApiSettings.AuthorityFrom(ca.Text, ca.Origin) : null,
            SkipTlsVerify = Scalar(cluster.Body, "insecure-skip-tls-verify", where) is { } skip
                && (bool.TryParse(skip, out var value) ? value : throw new KubeconfigException($"{where}.insecure-skip-tls-verify: '{skip}' is not true or false")),
            TlsServerName = Scalar(cluster.Body, "tls-server-name", where) is { Length: > 0 } name ? name : null,
            Proxy = ProxyUrl(cluster),
        };
        return user is null ? settings : WithUser(settings, user, time);
    }

    /// <summary>
    /// The cluster's <c>proxy-url</c>, as kubectl takes it: an HTTP proxy (CONNECT for an https server) or SOCKS5. An
    /// https proxy, which kubectl also takes, is refused by name rather than half supported: SocketsHttpHandler checks
    /// a proxy's certificate with the TLS options it has for the server, so the cluster CA (the only root when the
    /// kubeconfig names one) would have to have signed the proxy's certificate too.
    /// </summary>
    private static Uri? ProxyUrl(Entry cluster)
    {
        if (Scalar(cluster.Body, "proxy-url", cluster.Where) is not { Length: > 0 } text)
        {
            return null;
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var proxy) || proxy.Scheme is not ("http" or "https" or "socks5") || proxy.Host.Length == 0)
        {
            throw new KubeconfigException($"{cluster.Where}.proxy-url: '{text}' is not an http, https or socks5 address");
        }

        return proxy.Scheme == "https"
            ? throw new KubeconfigException($"{cluster.Where}.proxy-url: '{text}': a proxy reached over TLS is not supported; use an http or socks5 proxy")
            : proxy;
    }

    private static KubeApiSettings WithUser(KubeApiSettings settings, Entry user, TimeProvider time)
    {
        var where = user.Where;
        if (user.Body.Children.ContainsKey(new YamlScalarNode("auth-provider")))
        {
            var provider = user.Body.Children[new YamlScalarNode("auth-provider")] is YamlMappingNode map ? Scalar(map, "name", where) : null;
            throw new KubeconfigException(
                $"{where}.auth-provider: '{provider}' auth providers were removed from Kubernetes clients; use its exec credential plugin (e.g. gke-gcloud-auth-plugin, kubelogin)");
        }

        var certificate = Pem(user, "client-certificate");
        var key = Pem(user, "client-key");
        if ((certificate is null) != (key is null))
        {
            throw new KubeconfigException($"{where}: client-certificate and client-key go together; only one is set");
        }

        X509Certificate2? clientCertificate = null;
        if (certificate is not null && key is not null)
        {
            try
            {
                clientCertificate = X509Certificate2.CreateFromPem(certificate.Value.Text, key.Value.Text);
            }
            catch (CryptographicException ex)
            {
                throw new KubeconfigException($"{where}: {certificate.Value.Origin} and {key.Value.Origin} do not make a certificate with its key: {ex.Message}", ex);
            }
        }

        return settings with { ClientCertificate = clientCertificate, Credentials = Credentials(user, time) };
    }

    // client-go's precedence: a token, then a token file, then basic auth, then an exec plugin.
    private static IKubeCredentials? Credentials(Entry user, TimeProvider time)
    {
        var where = user.Where;
        if (Scalar(user.Body, "token", where) is { Length: > 0 } token)
        {
            return StaticCredentials.Bearer(token);
        }

        if (Scalar(user.Body, "tokenFile", where) is { Length: > 0 } tokenFile)
        {
            return new TokenFileCredentials(Path.Combine(user.Directory, tokenFile), time);
        }

        if (Scalar(user.Body, "username", where) is { Length: > 0 } username)
        {
            return StaticCredentials.Basic(username, Scalar(user.Body, "password", where) ?? string.Empty);
        }

        if (!user.Body.Children.TryGetValue(new YamlScalarNode("exec"), out var execNode))
        {
            return null;
        }

        var exec = execNode as YamlMappingNode ?? throw new KubeconfigException($"{where}.exec: expected a mapping");
        var command = Scalar(exec, "command", where + ".exec") is { Length: > 0 } c ? c : throw new KubeconfigException($"{where}.exec: no command");
        if (!Path.IsPathRooted(command) && command.Contains('/', StringComparison.Ordinal))
        {
            command = Path.GetFullPath(Path.Combine(user.Directory, command));
        }

        var arguments = new List<string>();
        if (exec.Children.TryGetValue(new YamlScalarNode("args"), out var args) && args is YamlSequenceNode argList)
        {
            arguments.AddRange(argList.Children.Select(a => (a as YamlScalarNode)?.Value ?? throw new KubeconfigException($"{where}.exec.args: every argument must be a string")));
        }

        var environment = new List<KeyValuePair<string, string>>();
        if (exec.Children.TryGetValue(new YamlScalarNode("env"), out var env) && env is YamlSequenceNode envList)
        {
            foreach (var variable in envList.Children.OfType<YamlMappingNode>())
            {
                var name = Scalar(variable, "name", where + ".exec.env") ?? throw new KubeconfigException($"{where}.exec.env: an entry has no name");
                environment.Add(new(name, Scalar(variable, "value", where + ".exec.env") ?? string.Empty));
            }
        }

        var apiVersion = Scalar(exec, "apiVersion", where + ".exec") is { Length: > 0 } version ? version : "client.authentication.k8s.io/v1";
        return new ExecCredentialPlugin(new ExecCredentialPlugin.Command(command, arguments, environment, apiVersion), time);
    }

    // KEY-data (base64 PEM) wins over KEY (a file), as in kubectl; the text and where it came from.
    private static (string Text, string Origin)? Pem(Entry entry, string key)
    {
        var where = entry.Where;
        if (Scalar(entry.Body, key + "-data", where) is { Length: > 0 } data)
        {
            try
            {
                return (Encoding.UTF8.GetString(Convert.FromBase64String(data)), $"{where}.{key}-data");
            }
            catch (FormatException)
            {
                throw new KubeconfigException($"{where}.{key}-data: not base64");
            }
        }

        if (Scalar(entry.Body, key, where) is not { Length: > 0 } file)
        {
            return null;
        }

        var path = Path.Combine(entry.Directory, file);
        try
        {
            return (File.ReadAllText(path), path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new KubeconfigException($"{where}.{key}: cannot read {path}: {ex.Message}", ex);
        }
    }

    private static YamlMappingNode Load(string path)
    {
        try
        {
            var stream = new YamlStream();
            using (var reader = new StreamReader(path))
            {
                stream.Load(reader);
            }

            return stream.Documents is [{ RootNode: YamlMappingNode root }, ..]
                ? root
                : throw new KubeconfigException($"kubeconfig {path}: expected a mapping at the top");
        }
        catch (YamlException ex)
        {
            throw new KubeconfigException(string.Create(CultureInfo.InvariantCulture, $"kubeconfig {path}: line {ex.Start.Line}: {ex.Message}"), ex);
        }
        catch (InvalidOperationException ex)
        {
            // YamlDotNet's representation model reports some unbalanced flow collections this way, without a position.
            throw new KubeconfigException($"kubeconfig {path}: not valid YAML: {ex.Message}", ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new KubeconfigException($"kubeconfig {path}: {ex.Message}", ex);
        }
    }

    // Adds the file's named entries (clusters: [{ name, cluster: {...} }]) that no earlier file defined.
    private static void Merge(YamlMappingNode root, string path, string list, string field, Dictionary<string, Entry> into)
    {
        if (!root.Children.TryGetValue(new YamlScalarNode(list), out var node) || node is not YamlSequenceNode sequence)
        {
            return;
        }

        var directory = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        foreach (var item in sequence.Children.OfType<YamlMappingNode>())
        {
            if (Scalar(item, "name", $"kubeconfig {path}: {list}") is { Length: > 0 } name && !into.ContainsKey(name)
                && item.Children.TryGetValue(new YamlScalarNode(field), out var body))
            {
                into[name] = new Entry(body as YamlMappingNode ?? new YamlMappingNode(), path, directory, $"kubeconfig {path}: {field} '{name}'");
            }
        }
    }

    private static string? Scalar(YamlMappingNode map, string key, string where) =>
        !map.Children.TryGetValue(new YamlScalarNode(key), out var node) ? null
        : node is YamlScalarNode scalar ? scalar.Value
        : throw new KubeconfigException($"{where}.{key}: expected a string");

    // One named cluster, user or context, with the file it came from (relative paths resolve against its folder).
    private sealed record Entry(YamlMappingNode Body, string File, string Directory, string Where);
}
