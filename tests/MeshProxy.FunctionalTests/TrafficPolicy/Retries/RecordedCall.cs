namespace MeshProxy.FunctionalTests.TrafficPolicy.Retries;

/// <summary>One call a <see cref="ScriptedBackend"/> received: its headers, its whole body, when it arrived and its :path.</summary>
internal sealed record RecordedCall(string Backend, IReadOnlyDictionary<string, string> Headers, byte[] Body, long ArrivedTimestamp, string Path = "")
{
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}
