namespace MeshProxy.Discovery;

/// <summary>One step of an <see cref="EndpointSliceWatcher"/> (tests and tooling observe it).</summary>
/// <param name="Kind"><c>list</c>, a watch event (<c>added</c>, <c>modified</c>, <c>deleted</c>, <c>bookmark</c>), <c>gone</c> (410: list again) or <c>error</c> (back-off).</param>
/// <param name="Changed">True when the step replaced the cluster's destination set.</param>
/// <param name="ResourceVersion">The resourceVersion the watcher holds after the step; null after an error.</param>
internal sealed record EndpointSliceUpdate(string Kind, bool Changed, string? ResourceVersion);
