using System.Collections.Immutable;
using Google.Api;
using MeshProxy.Configuration;
using MeshProxy.Tests.Transcoding.Rules;
using MeshProxy.Transcoding.Rest;
using MeshProxy.Transcoding.Rules;

namespace MeshProxy.Tests.Transcoding.Rest;

public sealed class DescriptorSetLoaderTests
{
    // Issue 12: one rule we cannot bind (here an unparsable template and a variable naming no field) used to refuse the
    // whole descriptor set, so every REST route went down; Envoy and grpc-gateway serve the rest.
    [Fact]
    public void Build_SomeRulesCannotBind_TheOthersServeAndEachRefusalNamesItsMethod()
    {
        var bytes = SyntheticRules.SetBytes(
            ("Index", "GetBookRequest", SyntheticRules.Get("/")),
            ("Unclosed", "GetBookRequest", SyntheticRules.Get("/v1/{name")),
            ("NoField", "GetBookRequest", SyntheticRules.Get("/v1/x/{nope}")),
            ("Fine", "GetBookRequest", SyntheticRules.Get("/v1/books/{name}")));
        var config = new TranscodingConfig { DescriptorSets = new(ImmutableArray.Create("synthetic.pb")), Services = new(ImmutableArray.Create(SyntheticRules.Service)) };
        var errors = new ConfigErrors();

        var snapshot = DescriptorSetLoader.Build(config, ["synthetic.pb"], [bytes], "hash", errors);

        Assert.False(errors.HasErrors, string.Join('\n', errors.All));
        Assert.NotNull(snapshot);
        Assert.Equal(["Index", "Fine"], snapshot.Table.Bindings.Select(b => b.MethodName));
        Assert.Collection(
            snapshot.RefusedRules,
            r => Assert.StartsWith("synthetic.Svc.Unclosed: GET /v1/{name: invalid path template", r, StringComparison.Ordinal),
            r => Assert.StartsWith("synthetic.Svc.NoField: GET /v1/x/{nope}: variable 'nope'", r, StringComparison.Ordinal));
        Assert.Equal(RuleMatchKind.Matched, snapshot.Table.Match("GET", "/").Kind);
    }
}
