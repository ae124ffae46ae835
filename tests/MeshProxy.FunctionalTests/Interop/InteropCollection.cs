namespace MeshProxy.FunctionalTests.Interop;

/// <summary>The interop tests share one <see cref="InteropStack"/> (two servers, two sidecars) and run one class at a time.</summary>
[CollectionDefinition(Name)]
public sealed class InteropCollection : ICollectionFixture<InteropStack>
{
    public const string Name = "Interop";
}
