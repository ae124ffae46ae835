namespace MeshProxy.FunctionalTests.Infrastructure;

/// <summary>The test classes that share one <see cref="SidecarFixture"/> (they run one after another).</summary>
[CollectionDefinition(Name)]
public sealed class SidecarCollection : ICollectionFixture<SidecarFixture>
{
    public const string Name = "sidecar";
}
