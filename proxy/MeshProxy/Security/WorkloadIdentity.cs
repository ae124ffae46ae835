using MeshProxy.Configuration;
using MeshProxy.Configuration.Reload;
using MeshProxy.Observability;
using Microsoft.Extensions.Logging;

namespace MeshProxy.Security;

/// <summary>
/// The sidecar's workload identity: the current <see cref="WorkloadCredentials"/> read from the <c>tls:</c> directory,
/// and the watcher that swaps in a new generation when the files change. Handshakes read <see cref="Current"/> once, so
/// a rotation takes effect at the next handshake and never touches an open connection.
/// </summary>
/// <remarks>
/// The watcher is on the directory with no name filter, because the two ways the files change show only as directory
/// events: an agent (spiffe-helper) writing a temporary file and renaming it over the old one, and kubelet updating a
/// Secret or CSI volume by pointing <c>..data</c> at a new timestamped directory. Any event arms a debounce, then the
/// three files are read and hashed; a periodic poll (<c>tls.pollInterval</c>) is the backstop and also re-checks expiry.
/// Without a <c>tls:</c> section nothing is loaded and <see cref="Current"/> stays null.
/// </remarks>
internal sealed class WorkloadIdentity : IDisposable
{
    private static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(200);

    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private volatile WorkloadCredentials? _current;
    private TlsConfig? _config;
    private ReloadTrigger? _trigger;
    private FileSystemWatcher? _watcher;
    private long _warnedWorkload;
    private long _warnedBundle;

    public WorkloadIdentity(TimeProvider time, ILogger<WorkloadIdentity> logger)
    {
        _time = time;
        _logger = logger;
    }

    /// <summary>Where handshake refusals are logged (the listener and cluster clients have no logger of their own).</summary>
    public ILogger Logger => _logger;

    /// <summary>The live credentials; null when the sidecar has no <c>tls:</c> section.</summary>
    public WorkloadCredentials? Current => _current;

    /// <summary>The <c>tls:</c> section the identity was started with; null without one.</summary>
    public TlsConfig? Config => _config;

    /// <summary>The header the verified caller is forwarded in (and a caller's own copy stripped from).</summary>
    public string ForwardClientCertHeader => _config?.ForwardClientCertHeader ?? TlsConfig.DefaultForwardClientCertHeader;

    /// <summary>Raised on the watcher's thread after a new generation is live (metrics follow it; tests wait on it).</summary>
    public event Action<WorkloadCredentials>? Rotated;

    /// <summary>
    /// Loads the files and starts following them. Unreadable or unusable files stop the start with a
    /// <see cref="ConfigLoadException"/> naming the file, as an invalid config does.
    /// </summary>
    public void Start(TlsConfig? config)
    {
        if (config is null)
        {
            return;
        }

        var files = WorkloadCertificateFiles.Read(config, out var readError);
        var credentials = files is { } read ? WorkloadCertificateFiles.Parse(config, read, generation: 1, out readError) : null;
        if (credentials is null)
        {
            throw new ConfigLoadException([new ConfigError("tls", $"cannot load the workload certificate from {config.Directory}: {readError}")]);
        }

        _config = config;
        _current = credentials;
        TlsLog.CertificateLoaded(_logger, credentials.SpiffeId, config.Directory, credentials.Certificate.SerialNumber, credentials.NotAfter, credentials.Bundle.Count);
        Observe(credentials);

        _trigger = new ReloadTrigger(_time, Debounce, config.PollInterval, () => Check());
        _watcher = DirectoryWatch.TryStart(config.Directory, [config.CertificateFile, config.KeyFile, config.BundleFile], _trigger, ex => TlsLog.CertificateWatchFailed(_logger, config.Directory, ex));

        TlsLog.CertificateWatchStarted(_logger, config.Directory, _watcher is not null, Duration.Format(config.PollInterval));
    }

    /// <summary>Reads the files now and swaps in a new generation when their content changed; true when it did.</summary>
    public bool Check()
    {
        if (_config is not { } config)
        {
            return false;
        }

        try
        {
            lock (_lock)
            {
                var current = _current!;
                var files = WorkloadCertificateFiles.Read(config, out var error);
                if (files is null)
                {
                    TlsLog.CertificateReloadFailed(_logger, config.Directory, error);
                }
                else if (files.Value.Hash != current.ContentHash)
                {
                    var next = WorkloadCertificateFiles.Parse(config, files.Value, current.Generation + 1, out error);
                    if (next is null)
                    {
                        TlsLog.CertificateReloadFailed(_logger, config.Directory, error);
                    }
                    else
                    {
                        _current = next;
                        TlsLog.CertificateRotated(_logger, next.SpiffeId, next.Certificate.SerialNumber, next.NotAfter, next.Bundle.Count);
                        Observe(next);
                        Rotated?.Invoke(next);
                        return true;
                    }
                }

                WarnIfExpiring(current);
                return false;
            }
        }
        catch (Exception ex)
        {
            // A timer thread must never throw. The next event or poll tries again.
            TlsLog.CertificateCheckFailed(_logger, config.Directory, ex);
            return false;
        }
    }

    public void Dispose()
    {
        _watcher?.Dispose();
        _trigger?.Dispose();
    }

    private void Observe(WorkloadCredentials credentials)
    {
        WarnIfExpiring(credentials);
    }

    // Once per generation and certificate: a poll every few seconds must not repeat the same warning.
    private void WarnIfExpiring(WorkloadCredentials credentials)
    {
        Warn("workload", credentials.NotAfter, ref _warnedWorkload);
        Warn("bundle", credentials.BundleNotAfter, ref _warnedBundle);

        void Warn(string kind, DateTimeOffset notAfter, ref long warned)
        {
            var left = notAfter - _time.GetUtcNow();
            if (left >= _config!.ExpiryWarning || Interlocked.Exchange(ref warned, credentials.Generation) == credentials.Generation)
            {
                return;
            }

            if (left <= TimeSpan.Zero)
            {
                TlsLog.CertificateExpired(_logger, kind, credentials.SpiffeId, notAfter);
            }
            else
            {
                TlsLog.CertificateExpiring(_logger, kind, credentials.SpiffeId, notAfter, Duration.Format(RoundToSeconds(left)));
            }
        }
    }

    private static TimeSpan RoundToSeconds(TimeSpan value) => TimeSpan.FromSeconds(Math.Ceiling(value.TotalSeconds));

}
