using System.IO.Hashing;
using System.Text;
using MeshProxy.Observability;
using MeshProxy.Observability.Metrics;
using MeshProxy.Routing;
using MeshProxy.Security.Authorization;
using MeshProxy.Transcoding.Rest;
using Microsoft.Extensions.Logging;

namespace MeshProxy.Configuration.Reload;

/// <summary>
/// Applies new content of the config file: the same <see cref="ConfigLoader"/> (so the same validators as
/// <c>meshproxy validate</c>) plus the one rule only a running sidecar has (listeners cannot move), all errors
/// collected before the live snapshot is touched, then one atomic swap. A refused edit is logged error by error and
/// the last good config stays live (the model is YARP's ProxyConfigManager).
/// </summary>
internal sealed class ConfigReloader
{
    private readonly Lock _lock = new();
    private readonly ProxySnapshotProvider _snapshots;
    private readonly TranscodingSnapshotProvider? _transcoding;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly MeshProxyMetrics? _metrics;
    private readonly JwksKeySource? _jwks;
    private TaskCompletionSource<ConfigReloadStatus> _next = NewSignal();
    private volatile ConfigReloadStatus? _status;
    private MeshProxyConfig? _live;

    // The hash of the content last looked at, applied or refused: the same bytes are never parsed twice, so a
    // refused edit is logged once rather than on every poll.
    private string? _lastSeenHash;

    public ConfigReloader(ProxySnapshotProvider snapshots, TimeProvider time, ILogger<ConfigReloader> logger, MeshProxyMetrics? metrics = null, TranscodingSnapshotProvider? transcoding = null, JwksKeySource? jwks = null)
    {
        _jwks = jwks;
        _snapshots = snapshots;
        _transcoding = transcoding;
        _time = time;
        _logger = logger;
        _metrics = metrics;
    }

    /// <summary>The live config's identity and the last reload error; null before <see cref="Start"/>.</summary>
    public ConfigReloadStatus? Status => _status;

    /// <summary>Completes with the status after the next applied or refused edit (tests and tooling wait on it).</summary>
    public Task<ConfigReloadStatus> NextChange
    {
        get
        {
            lock (_lock)
            {
                return _next.Task;
            }
        }
    }

    /// <summary>
    /// The content's fingerprint: XXH128, lowercase hex (what <c>xxhsum -H2</c> prints). Not SHA-256: nothing here needs
    /// a cryptographic hash, and SHA-256 is OpenSSL's, whose loading costs a sidecar without TLS 3.7 MiB of resident
    /// memory (docs/benchmarks.md, "OpenSSL left unloaded").
    /// </summary>
    public static string Hash(ReadOnlySpan<byte> content) => Convert.ToHexStringLower(XxHash128.Hash(content));

    /// <summary>Parses and validates file content with <see cref="ConfigLoader"/>, as <c>meshproxy validate</c> does.</summary>
    public static ConfigLoadResult Load(ReadOnlySpan<byte> content) =>
        ConfigLoader.Load(Encoding.UTF8.GetString(content).TrimStart('\uFEFF'));

    /// <summary>Publishes the first config (generation 1); <paramref name="hash"/> is null for a config built in code.</summary>
    public void Start(MeshProxyConfig config, string? hash)
    {
        lock (_lock)
        {
            // The descriptor sets and the JWKS live outside the config: a first load that cannot use them stops the start.
            var errors = new ConfigErrors();
            var transcoding = _transcoding?.Prepare(config.Transcoding, errors);
            _jwks?.Check(config.Jwt, errors);
            if (errors.HasErrors)
            {
                throw new ConfigLoadException(errors.All);
            }

            _snapshots.Apply(config);
            _transcoding?.Publish(config.Transcoding, transcoding);
            _live = config;
            _lastSeenHash = hash;
            Publish(new ConfigReloadStatus(1, hash, _time.GetUtcNow(), LastError: null) { Config = config });
            _metrics?.RecordConfigApplied(_status!, config.Version, reload: false);
        }
    }

    /// <summary>Applies the file's content, or refuses it; <paramref name="content"/> is null when the file cannot be read.</summary>
    /// <param name="content">The file's bytes, or null when it is missing or unreadable.</param>
    /// <param name="readError">Why the file could not be read, when <paramref name="content"/> is null.</param>
    public ConfigReloadOutcome Reload(byte[]? content, string? readError = null)
    {
        lock (_lock)
        {
            if (_status is not { } status || _live is null)
            {
                throw new InvalidOperationException("Start must publish the first config before a reload.");
            }

            var hash = content is null ? null : Hash(content);
            if (content is not null && hash == _lastSeenHash)
            {
                return ConfigReloadOutcome.Unchanged;
            }

            if (content is null && _lastSeenHash is null && status.LastError is { Hash: null })
            {
                // Still unreadable, as last time: already reported.
                return ConfigReloadOutcome.Unchanged;
            }

            _lastSeenHash = hash;
            if (hash is not null && hash == status.Hash)
            {
                // Back to the live content after a refused edit: nothing to apply, and no error any more.
                Publish(status with { LastError = null });
                _metrics?.RecordConfigRestored();
                return ConfigReloadOutcome.Applied;
            }

            var errors = new ConfigErrors();
            MeshProxyConfig? config = null;
            TranscodingSnapshot? transcoding = null;
            if (content is null)
            {
                errors.Add(string.Empty, readError ?? "the config file cannot be read");
            }
            else
            {
                var result = Load(content);
                if (result.Succeeded)
                {
                    config = result.Config;
                    ListenerChangeValidator.Validate(_live.Listeners, config.Listeners, errors);
                    TlsChangeValidator.Validate(_live.Tls, config.Tls, errors);
                    Protection.ProtectionChangeValidator.Validate(_live.Protection, config.Protection, errors);
                    transcoding = _transcoding?.Prepare(config.Transcoding, errors);
                    _jwks?.Check(config.Jwt, errors);
                }
                else
                {
                    foreach (var error in result.Errors)
                    {
                        errors.Add(error.Path, error.Message);
                    }
                }
            }

            if (config is null || errors.HasErrors)
            {
                ConfigurationLog.ConfigReloadRefused(_logger, hash ?? "(unreadable)", errors.All.Count, status.Generation);
                foreach (var error in errors.All)
                {
                    ConfigurationLog.ConfigReloadError(_logger, error.Path.Length == 0 ? "(file)" : error.Path, error.Message);
                }

                Publish(status with { LastError = new ConfigReloadFailure(hash, _time.GetUtcNow(), errors.All) });
                _metrics?.RecordConfigRefused();
                return ConfigReloadOutcome.Refused;
            }

            _snapshots.Apply(config);
            _transcoding?.Publish(config.Transcoding, transcoding);
            _live = config;
            var applied = new ConfigReloadStatus(status.Generation + 1, hash, _time.GetUtcNow(), LastError: null) { Config = config };
            ConfigurationLog.ConfigReloaded(_logger, config.Version ?? "(none)", applied.Generation, hash!);
            Publish(applied);
            _metrics?.RecordConfigApplied(applied, config.Version, reload: true);
            return ConfigReloadOutcome.Applied;
        }
    }

    private void Publish(ConfigReloadStatus status)
    {
        _status = status;
        var done = _next;
        _next = NewSignal();
        done.SetResult(status);
    }

    private static TaskCompletionSource<ConfigReloadStatus> NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
