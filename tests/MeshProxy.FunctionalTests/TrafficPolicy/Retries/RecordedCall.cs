namespace MeshProxy.FunctionalTests.TrafficPolicy.Retries;

/// <summary>One call a <see cref="ScriptedBackend"/> received: its headers, its whole body and when it arrived.</summary>
internal sealed record RecordedCall(string Backend, IReadOnlyDictionary<string, string> Headers, byte[] Body, long ArrivedTimestamp)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}
