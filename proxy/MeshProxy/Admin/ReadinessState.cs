namespace MeshProxy.Admin;

/// <summary>Ready once a config is loaded and every listener is bound; probes read it without locks.</summary>
internal sealed class ReadinessState
{
    private volatile bool _ready;

    public bool IsReady => _ready;

    public void MarkReady() => _ready = true;

    public void MarkNotReady() => _ready = false;
}
