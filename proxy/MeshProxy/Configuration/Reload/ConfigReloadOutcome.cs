namespace MeshProxy.Configuration.Reload;

/// <summary>What one look at the config file did.</summary>
internal enum ConfigReloadOutcome
{
    /// <summary>The content hash is the one last seen (applied or refused): nothing to do.</summary>
    Unchanged,

    /// <summary>A new config is live.</summary>
    Applied,

    /// <summary>The content was invalid; the previous config stays live.</summary>
    Refused,
}
