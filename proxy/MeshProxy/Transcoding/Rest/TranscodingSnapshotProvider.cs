using System.Collections.Frozen;
using MeshProxy.Configuration;
using MeshProxy.Configuration.Reload;
using MeshProxy.Observability;
using Microsoft.Extensions.Logging;
using MeshProxy.TrafficPolicy.Retries;

namespace MeshProxy.Transcoding.Rest;

/// <summary>
/// Holds the live <see cref="TranscodingSnapshot"/> and follows two sources of change: the config (the
/// <see cref="ConfigReloader"/> calls <see cref="Prepare"/> before it swaps and <see cref="Publish"/> after) and the
/// descriptor set files themselves, watched like the config file (<see cref="ReloadTrigger"/>: directory events,
/// debounce, poll). A file change that does not load is logged error by error and the live routes stay.
/// </summary>
internal sealed class TranscodingSnapshotProvider : IDisposable
{
    private readonly Lock _lock = new();
    private readonly TranscodingPaths _paths;
    private readonly ConfigReloadOptions _reload;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly List<FileSystemWatcher> _watchers = [];
    private ReloadTrigger? _trigger;
    private TranscodingConfig? _config;
    private string? _lastSeenHash;
    private readonly IdempotentMethods? _idempotentMethods;
    private volatile TranscodingSnapshot? _current;
    private TaskCompletionSource<TranscodingSnapshot?> _next = NewSignal();
    private bool _disposed;

    public TranscodingSnapshotProvider(TranscodingPaths paths, ConfigReloadOptions reload, TimeProvider time, ILogger<TranscodingSnapshotProvider> logger, IdempotentMethods? idempotentMethods = null)
    {
        _idempotentMethods = idempotentMethods;
        _paths = paths;
        _reload = reload;
        _time = time;
        _logger = logger;
    }

    /// <summary>The live snapshot; null when the config has no <c>transcoding:</c> section.</summary>
    public TranscodingSnapshot? Current => _current;

    /// <summary>Completes after the next applied descriptor set change or refusal, with the live snapshot then.</summary>
    public Task<TranscodingSnapshot?> NextChange
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
    /// Loads what <paramref name="config"/> names; null (and no error) for a config without the section. When the
    /// section equals the live one the live snapshot is reused (the watcher follows the files).
    /// </summary>
    public TranscodingSnapshot? Prepare(TranscodingConfig? config, ConfigErrors errors)
    {
        if (config is null)
        {
            return null;
        }

        if (_current is { } live && live.Config == config)
        {
            return live;
        }

        return DescriptorSetLoader.Load(config, _paths, errors);
    }

    /// <summary>Makes a prepared snapshot live and (re)starts watching its files.</summary>
    public void Publish(TranscodingConfig? config, TranscodingSnapshot? snapshot)
    {
        List<IDisposable> retired = [];
        lock (_lock)
        {
            var previous = _current;
            _config = config;
            _current = snapshot;
            _idempotentMethods?.Publish(snapshot?.IdempotentMethods ?? FrozenSet<string>.Empty);
            _lastSeenHash = snapshot?.Hash;
            if (snapshot is not null && !ReferenceEquals(previous, snapshot))
            {
                LogLoaded(snapshot);
            }

            if (previous?.Files.SequenceEqual(snapshot?.Files ?? []) != true)
            {
                retired = Detach();
                Watch(snapshot?.Files ?? []);
            }
        }

        // Outside the lock: a trigger's Dispose waits for a check in progress, and a check takes the lock.
        retired.ForEach(r => r.Dispose());
    }

    private void LogLoaded(TranscodingSnapshot snapshot)
    {
        TranscodingLog.RulesLoaded(_logger, snapshot.Table.Bindings.Count, snapshot.Files.Count, snapshot.Hash);
        foreach (var rule in snapshot.RefusedRules)
        {
            TranscodingLog.RuleRefused(_logger, rule);
        }
    }

    /// <summary>Reads the live config's descriptor sets again and applies them when their content changed.</summary>
    public bool CheckDescriptorSets()
    {
        try
        {
            lock (_lock)
            {
                if (_config is not { } config || _current is not { } live || _disposed)
                {
                    return false;
                }

                var errors = new ConfigErrors();
                var read = DescriptorSetLoader.Read(live.Files, errors);
                if (read is { } r && (r.Hash == _lastSeenHash))
                {
                    return false;
                }

                _lastSeenHash = read?.Hash;
                var next = read is { } content ? DescriptorSetLoader.Build(config, live.Files, content.Contents, content.Hash, errors) : null;
                if (next is null)
                {
                    TranscodingLog.DescriptorSetReloadRefused(_logger, errors.All.Count);
                    foreach (var error in errors.All)
                    {
                        TranscodingLog.DescriptorSetError(_logger, error.Path, error.Message);
                    }

                    Signal(live);
                    return false;
                }

                _current = next;
                _idempotentMethods?.Publish(next.IdempotentMethods);
                LogLoaded(next);
                Signal(next);
                return true;
            }
        }
        catch (Exception ex)
        {
            // Runs on a timer thread: never throw there.
            TranscodingLog.DescriptorSetCheckFailed(_logger, ex);
            return false;
        }
    }

    public void Dispose()
    {
        List<IDisposable> retired;
        lock (_lock)
        {
            _disposed = true;
            retired = Detach();
        }

        retired.ForEach(r => r.Dispose());
    }

    private void Signal(TranscodingSnapshot? snapshot)
    {
        var done = _next;
        _next = NewSignal();
        done.SetResult(snapshot);
    }

    private void Watch(IReadOnlyList<string> files)
    {
        if (files.Count == 0 || _disposed)
        {
            return;
        }

        _trigger = new ReloadTrigger(_time, _reload.Debounce, _reload.PollInterval, () => CheckDescriptorSets());
        if (!_reload.WatchFileSystem)
        {
            return;
        }

        foreach (var directory in files.Select(Path.GetDirectoryName).OfType<string>().Distinct(StringComparer.Ordinal))
        {
            // The poll still sees every change when a watch cannot start, only later.
            if (DirectoryWatch.TryStart(directory, files, _trigger, ex => TranscodingLog.DescriptorSetWatchFailed(_logger, directory, ex)) is { } watcher)
            {
                _watchers.Add(watcher);
            }
        }
    }

    private List<IDisposable> Detach()
    {
        List<IDisposable> retired = [.. _watchers];
        if (_trigger is not null)
        {
            retired.Add(_trigger);
        }

        _watchers.Clear();
        _trigger = null;
        return retired;
    }

    private static TaskCompletionSource<TranscodingSnapshot?> NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
