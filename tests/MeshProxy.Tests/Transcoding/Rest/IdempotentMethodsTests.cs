using MeshProxy.Configuration;
using MeshProxy.TestSupport;
using MeshProxy.Transcoding.Rest;

namespace MeshProxy.Tests.Transcoding.Rest;

public sealed class IdempotentMethodsTests
{
    [Fact]
    public void Build_MethodsWithIdempotencyLevel_ListedByPath()
    {
        var errors = new ConfigErrors();

        var snapshot = DescriptorSetLoader.Build(new TranscodingConfig(), ["idem.pb"], [IdempotencyDescriptors.Set()], "hash", errors);

        Assert.False(errors.HasErrors, string.Join('\n', errors.All));
        Assert.NotNull(snapshot);
        Assert.Equal([IdempotencyDescriptors.Get, IdempotencyDescriptors.Put], snapshot.IdempotentMethods.Order(StringComparer.Ordinal));
        Assert.DoesNotContain(IdempotencyDescriptors.Create, (IReadOnlySet<string>)snapshot.IdempotentMethods);
    }
}
