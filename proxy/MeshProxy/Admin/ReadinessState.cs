namespace MeshProxy.Admin;

/// <summary>
/// Ready once a config is loaded and every listener is bound; probes read it without locks. The gRPC health service
/// on the gRPC listener follows it through <see cref="OnChange"/>, so both probes tell the same story.
/// </summary>
internal sealed class ReadinessState
{
    private volatile bool _ready;
    private Action<bool>? _changed;

    public bool IsReady => _ready;

    /// <summary>Calls <paramref name="callback"/> with the new state on every mark; register at start, before any mark.</summary>
    public void OnChange(Action<bool> callback) => _changed += callback;

    public void MarkReady() => Set(ready: true);

    public void MarkNotReady() => Set(ready: false);

    private void Set(bool ready)
    {
        _ready = ready;
        _changed?.Invoke(ready);
    }
}
