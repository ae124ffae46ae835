namespace MeshProxy.SampleBackends.Calls;

/// <summary>What a backend saw of one call: its method, :authority and every request header (names lowercase, repeated values comma-joined).</summary>
internal sealed record ObservedCall(string Method, string Authority, IReadOnlyDictionary<string, string> Headers, DateTimeOffset ReceivedAt)
{
    /// <summary>The value of a request header, or null when the call had none.</summary>
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}
