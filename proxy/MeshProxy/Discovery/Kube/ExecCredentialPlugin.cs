using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;

namespace MeshProxy.Discovery.Kube;

/// <summary>
/// A kubeconfig user's <c>exec</c> credential plugin (Kubernetes docs, "client-go credential plugins"): the command
/// runs with the user's <c>args</c> and <c>env</c> and <c>KUBERNETES_EXEC_INFO</c> (non-interactive), and prints an
/// <c>ExecCredential</c> whose token is used until its <c>expirationTimestamp</c>, or until the API server answers 401.
/// This is how managed clusters hand out tokens (<c>aws eks get-token</c>, <c>gke-gcloud-auth-plugin</c>,
/// <c>kubelogin</c>). Plugins that return a client certificate instead are refused with a clear message.
/// </summary>
internal sealed class ExecCredentialPlugin(ExecCredentialPlugin.Command command, TimeProvider time) : IKubeCredentials
{
    /// <summary>How long the plugin may run before the attempt fails (it is killed).</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    // A token this close to its expiry is fetched again, so a request never leaves with one that lapses on the way.
    private static readonly TimeSpan ExpirySlack = TimeSpan.FromSeconds(10);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private AuthenticationHeaderValue? _header;
    private DateTimeOffset? _expires;

    /// <summary>
    /// The plugin as the kubeconfig names it: the executable (a relative path with a slash is relative to the
    /// kubeconfig's folder, a bare name is looked up on PATH), arguments, extra environment and the
    /// <c>apiVersion</c> it speaks.
    /// </summary>
    internal sealed record Command(string Executable, IReadOnlyList<string> Arguments, IReadOnlyList<KeyValuePair<string, string>> Environment, string ApiVersion);

    public async ValueTask<AuthenticationHeaderValue> GetAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_header is { } cached && (_expires is not { } expires || time.GetUtcNow() < expires - ExpirySlack))
            {
                return cached;
            }

            var status = await RunAsync(cancellationToken).ConfigureAwait(false);
            _header = new AuthenticationHeaderValue("Bearer", status.Token);
            _expires = status.ExpirationTimestamp;
            return _header;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Invalidate() => _header = null;

    private async Task<ExecCredentialStatus> RunAsync(CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(command.Executable)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in command.Arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in command.Environment)
        {
            start.Environment[name] = value;
        }

        start.Environment["KUBERNETES_EXEC_INFO"] =
            "{\"apiVersion\":" + JsonSerializer.Serialize(command.ApiVersion, KubeJsonContext.Default.String) + ",\"kind\":\"ExecCredential\",\"spec\":{\"interactive\":false}}";

        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            throw new KubeconfigException($"the exec credential plugin '{command.Executable}' could not start: {ex.Message}", ex);
        }

        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            cancellationToken.ThrowIfCancellationRequested();
            throw new KubeconfigException($"the exec credential plugin '{command.Executable}' did not finish within {Timeout.TotalSeconds:0} s");
        }

        var stdout = await output.ConfigureAwait(false);
        var stderr = await error.ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new KubeconfigException(string.Create(CultureInfo.InvariantCulture,
                $"the exec credential plugin '{command.Executable}' exited with {process.ExitCode}: {Shorten(stderr)}"));
        }

        ExecCredential? credential;
        try
        {
            credential = JsonSerializer.Deserialize(stdout, KubeJsonContext.Default.ExecCredential);
        }
        catch (JsonException ex)
        {
            throw new KubeconfigException($"the exec credential plugin '{command.Executable}' printed no ExecCredential JSON: {ex.Message}", ex);
        }

        return credential?.Status switch
        {
            { Token.Length: > 0 } status => status,
            { ClientCertificateData.Length: > 0 } => throw new KubeconfigException(
                $"the exec credential plugin '{command.Executable}' returned a client certificate; meshproxy takes tokens from exec plugins only"),
            _ => throw new KubeconfigException($"the exec credential plugin '{command.Executable}' returned no status.token"),
        };
    }

    private static string Shorten(string text)
    {
        text = text.Trim();
        return text.Length == 0 ? "(nothing on stderr)" : text.Length <= 300 ? text : text[..300] + "...";
    }
}
