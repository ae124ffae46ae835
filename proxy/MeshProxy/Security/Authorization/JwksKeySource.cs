using System.Security.Cryptography;
using System.Text.Json;
using MeshProxy.Configuration;
using MeshProxy.Configuration.Reload;
using MeshProxy.Observability;
using MeshProxy.Transcoding.Rest;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;

namespace MeshProxy.Security.Authorization;

/// <summary>
/// The keys of the JWKS file the live <c>jwt:</c> section names, followed like the config file (directory events,
/// debounce, poll: <see cref="ReloadTrigger"/>), so an issuer's key rotation is picked up without a restart. A file
/// that cannot be read or holds no usable RS256/ES256 key is logged and the last good keys stay. A config that names
/// a JWKS file which cannot be used is refused as a whole (<see cref="Check(JwtConfig?, ConfigErrors)"/>): at start,
/// the sidecar does not start; on a config reload, the edit is refused and the last good config and keys stay. The
/// REST edge calls <see cref="Follow"/> per call: the same path costs one comparison, a new path (a reload changed
/// it) loads it and moves the watch.
/// </summary>
internal sealed class JwksKeySource : IDisposable
{
    private readonly Lock _lock = new();
    private readonly ConfigReloadOptions _reload;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TranscodingPaths _paths;
    private volatile JwksKeys? _current;
    private ReloadTrigger? _trigger;
    private FileSystemWatcher? _watcher;
    private string? _lastSeenHash;
    private TaskCompletionSource<JwksKeys> _next = NewSignal();
    private bool _disposed;

    public JwksKeySource(ConfigReloadOptions reload, TimeProvider time, TranscodingPaths paths, ILogger<JwksKeySource> logger)
    {
        _reload = reload;
        _time = time;
        _paths = paths;
        _logger = logger;
    }

    /// <summary>Completes after the next applied or refused change of the followed file, with the keys then in use.</summary>
    public Task<JwksKeys> NextChange
    {
        get
        {
            lock (_lock)
            {
                return _next.Task;
            }
        }
    }

    /// <summary>The keys of <paramref name="path"/> (absolute), loading it and watching it when it is not the file followed.</summary>
    public JwksKeys Follow(string path)
    {
        if (_current is { } current && current.Path == path)
        {
            return current;
        }

        lock (_lock)
        {
            if (_current is { } raced && raced.Path == path)
            {
                return raced;
            }

            _trigger?.Dispose();
            _watcher?.Dispose();
            _lastSeenHash = null;
            var keys = Read(path, previous: null) ?? throw new InvalidOperationException("A first read always looks at the file.");
            _current = keys;
            Watch(path);
            return keys;
        }
    }

    /// <summary>
    /// Part of validating a config before it goes live: its <c>jwt.jwksFile</c> must be a JWKS with at least one usable
    /// key, else an error at <c>jwt.jwksFile</c> says why. The file the live config follows is not read again here:
    /// its own changes are applied or refused by the watch, which keeps the last good keys.
    /// </summary>
    public void Check(JwtConfig? jwt, ConfigErrors errors)
    {
        if (jwt is null || string.IsNullOrWhiteSpace(jwt.JwksFile))
        {
            return;
        }

        var path = _paths.Resolve(jwt.JwksFile);
        if (_current is { Keys.Count: > 0 } live && live.Path == path)
        {
            return;
        }

        CheckFile(path, errors);
    }

    /// <summary>
    /// The file check of <see cref="Check(JwtConfig?, ConfigErrors)"/> with no live keys to compare against, for
    /// <c>meshproxy validate</c>: the same error at <c>jwt.jwksFile</c> that start and reload give.
    /// </summary>
    public static void Check(JwtConfig? jwt, TranscodingPaths paths, ConfigErrors errors)
    {
        if (jwt is not null && !string.IsNullOrWhiteSpace(jwt.JwksFile))
        {
            CheckFile(paths.Resolve(jwt.JwksFile), errors);
        }
    }

    private static void CheckFile(string path, ConfigErrors errors)
    {
        var content = ReadFile(path, out var error);
        if (content is not null)
        {
            ParseKeys(content, out error);
        }

        if (error is not null)
        {
            errors.Add("jwt.jwksFile", $"cannot use {path}: {error}");
        }
    }

    /// <summary>Reads the followed file again and applies it when its content changed; true when new keys went live.</summary>
    public bool Check()
    {
        try
        {
            lock (_lock)
            {
                if (_current is not { } live || _disposed)
                {
                    return false;
                }

                if (Read(live.Path, live) is not { } next)
                {
                    return false;
                }

                _current = next;
                Signal(next);
                return !ReferenceEquals(next, live);
            }
        }
        catch (Exception ex)
        {
            // Runs on a timer thread: never throw there.
            AuthorizationLog.JwksCheckFailed(_logger, ex);
            return false;
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            _trigger?.Dispose();
            _watcher?.Dispose();
        }
    }

    /// <summary>
    /// The keys to use after looking at the file: new ones, or <paramref name="previous"/> when it is refused (logged),
    /// or null when its content is what was last looked at.
    /// </summary>
    private JwksKeys? Read(string path, JwksKeys? previous)
    {
        const string Unreadable = "unreadable";
        if (ReadFile(path, out var readError) is not { } content)
        {
            return _lastSeenHash == Unreadable ? null : Refuse(path, Unreadable, readError!, previous);
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(content));
        if (hash == _lastSeenHash)
        {
            return null;
        }

        if (ParseKeys(content, out var parseError) is not { } keys)
        {
            return Refuse(path, hash, parseError!, previous);
        }

        _lastSeenHash = hash;
        AuthorizationLog.JwksLoaded(_logger, keys.Count, path, hash);
        return new JwksKeys(path, [.. keys], hash, Error: null);
    }

    private static byte[]? ReadFile(string path, out string? error)
    {
        try
        {
            error = null;
            return File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            error = $"cannot read it: {ex.Message}";
            return null;
        }
    }

    /// <summary>The RS256/ES256-capable keys of a JWKS; null with the reason when there is none.</summary>
    private static IList<SecurityKey>? ParseKeys(byte[] content, out string? error)
    {
        IList<SecurityKey> keys;
        try
        {
            keys = new JsonWebKeySet(System.Text.Encoding.UTF8.GetString(content)).GetSigningKeys();
        }
        catch (Exception ex) when (ex is ArgumentException or JsonException or InvalidOperationException)
        {
            error = $"it is not a JSON Web Key Set (RFC 7517): {ex.Message}";
            return null;
        }

        error = keys.Count == 0 ? "it holds no RSA or EC signing key" : null;
        return keys.Count == 0 ? null : keys;
    }

    private JwksKeys Refuse(string path, string hash, string reason, JwksKeys? previous)
    {
        _lastSeenHash = hash;
        AuthorizationLog.JwksRefused(_logger, path, reason);
        return previous ?? new JwksKeys(path, [], Hash: null, $"the JWKS file cannot be used: {reason}");
    }

    private void Watch(string path)
    {
        if (_disposed)
        {
            return;
        }

        _trigger = new ReloadTrigger(_time, _reload.Debounce, _reload.PollInterval, () => Check());
        if (!_reload.WatchFileSystem || Path.GetDirectoryName(path) is not { } directory)
        {
            return;
        }

        _watcher = DirectoryWatch.TryStart(directory, [path], _trigger, ex => AuthorizationLog.JwksWatchFailed(_logger, directory, ex));
    }

    private void Signal(JwksKeys keys)
    {
        var done = _next;
        _next = NewSignal();
        done.SetResult(keys);
    }

    private static TaskCompletionSource<JwksKeys> NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
