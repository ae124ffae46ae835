namespace MeshProxy.Configuration;

/// <summary>One upstream endpoint.</summary>
/// <param name="Name">Defaults to the address.</param>
/// <param name="Address">An absolute http:// URI (h2c with prior knowledge).</param>
internal sealed record DestinationConfig(string Name, string Address);
