namespace MeshProxy.Configuration.Reload;

/// <summary>An edit that was refused, with every error and its path; the previous config stayed live.</summary>
/// <param name="Hash">The refused content's fingerprint (<see cref="ConfigReloader.Hash"/>), or null when the file could not be read.</param>
/// <param name="At">When the edit was refused.</param>
/// <param name="Errors">Every error of the edit.</param>
internal sealed record ConfigReloadFailure(string? Hash, DateTimeOffset At, IReadOnlyList<ConfigError> Errors);
