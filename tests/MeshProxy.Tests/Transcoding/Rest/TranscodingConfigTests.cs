using MeshProxy.Configuration;
using MeshProxy.TestSupport;
using MeshProxy.Tests.Configuration;
using MeshProxy.Transcoding.Rest;

namespace MeshProxy.Tests.Transcoding.Rest;

public sealed class TranscodingConfigTests
{
    private const string Base = """
        routes:
          - name: all
            match: { prefix: / }
            cluster: c
        clusters:
          c: { destinations: [ { address: "http://127.0.0.1:5000" } ] }

        """;

    [Fact]
    public void Load_NoSection_HasNoTranscoding() => Assert.Null(ConfigAssert.LoadValid(Base).Transcoding);

    [Fact]
    public void Load_MinimalSection_TakesDocumentedDefaults()
    {
        var transcoding = ConfigAssert.LoadValid(Base + "transcoding: { descriptorSets: [builtin] }").Transcoding!;

        Assert.Equal(["builtin"], transcoding.DescriptorSets);
        Assert.Empty(transcoding.Services);
        Assert.False(transcoding.UnannotatedMethods);
        Assert.True(transcoding.EmitDefaultValues);
        Assert.False(transcoding.RejectUnknownFields);
        Assert.False(transcoding.RejectUnknownQueryParameters);
        Assert.Equal(4 * 1024 * 1024, transcoding.MaxRequestBodyBytes);
        Assert.Empty(transcoding.ForwardedHeaderPrefixes);
        Assert.Equal("grpc-metadata-", transcoding.ResponseMetadataPrefix);
    }

    [Fact]
    public void Load_EveryOption_IsRead()
    {
        var transcoding = ConfigAssert.LoadValid(Base + """
            transcoding:
              descriptorSets: [a.pb, /abs/b.pb]
              services: [users.v1.UserService]
              unannotatedMethods: true
              print: { emitDefaultValues: false }
              parse: { rejectUnknownFields: true, rejectUnknownQueryParameters: true }
              maxRequestBodyBytes: 1024
              forwardedHeaderPrefixes: [x-tenant-, x-b3-]
              responseMetadataPrefix: x-grpc-
            """).Transcoding!;

        Assert.Equal(["a.pb", "/abs/b.pb"], transcoding.DescriptorSets);
        Assert.Equal(["users.v1.UserService"], transcoding.Services);
        Assert.True(transcoding.UnannotatedMethods);
        Assert.False(transcoding.EmitDefaultValues);
        Assert.True(transcoding.RejectUnknownFields);
        Assert.True(transcoding.RejectUnknownQueryParameters);
        Assert.Equal(1024, transcoding.MaxRequestBodyBytes);
        Assert.Equal(["x-tenant-", "x-b3-"], transcoding.ForwardedHeaderPrefixes);
        Assert.Equal("x-grpc-", transcoding.ResponseMetadataPrefix);
    }

    // Issue 12: grpc-* headers are never forwarded, so such a prefix silently matched nothing.
    [Fact]
    public void Load_ForwardedPrefixThatCanNeverMatch_IsAnErrorNamingIt()
    {
        var errors = ConfigAssert.Errors(Base + "transcoding: { descriptorSets: [x.pb], forwardedHeaderPrefixes: [x-ok-, grpc-metadata-] }");

        var error = Assert.Single(errors);
        Assert.Equal("transcoding.forwardedHeaderPrefixes[1]", error.Path);
        Assert.Contains("can never match", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_BadSection_ReportsEveryErrorWithItsPath()
    {
        var errors = ConfigAssert.Errors(Base + """
            transcoding:
              descriptorSets: []
              services: [/users.v1.UserService]
              maxRequestBodyBytes: 0
              forwardedHeaderPrefixes: [X-Upper]
              responseMetadataPrefix: "bad prefix"
              print: { emitDefaults: true }
              colour: blue
            """).Select(e => e.Path).ToArray();

        Assert.Contains("transcoding.descriptorSets", errors);
        Assert.Contains("transcoding.services[0]", errors);
        Assert.Contains("transcoding.maxRequestBodyBytes", errors);
        Assert.Contains("transcoding.forwardedHeaderPrefixes[0]", errors);
        Assert.Contains("transcoding.responseMetadataPrefix", errors);
        Assert.Contains("transcoding.print.emitDefaults", errors);
        Assert.Contains("transcoding.colour", errors);
    }

    [Fact]
    public void ExampleFile_Loads_AndItsRulesBuildFromTheBuiltinSet()
    {
        var result = ConfigLoader.LoadFile(RepoPaths.Combine("config", "examples", "transcoding.yaml"));
        Assert.True(result.Succeeded, string.Join('\n', result.Errors));

        var errors = new ConfigErrors();
        var files = result.Config.Transcoding!.DescriptorSets.Select(new TranscodingPaths(RepoPaths.Combine("config", "examples")).Resolve).ToArray();
        var read = DescriptorSetLoader.Read(files, errors);
        var snapshot = DescriptorSetLoader.Build(result.Config.Transcoding, files, read!.Value.Contents, read.Value.Hash, errors);

        Assert.False(errors.HasErrors, string.Join('\n', errors.All));
        Assert.Equal(
            ["inventory.v1.InventoryService", "payments.v1.PaymentService", "users.v1.UserService"],
            snapshot!.Table.Bindings.Select(b => b.ServiceName).Distinct().Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Load_SameSectionTwice_IsEqual() =>
        Assert.Equal(
            ConfigAssert.LoadValid(Base + "transcoding: { descriptorSets: [x.pb], forwardedHeaderPrefixes: [x-a-] }"),
            ConfigAssert.LoadValid(Base + "transcoding: { descriptorSets: [x.pb], forwardedHeaderPrefixes: [x-a-] }"));
}
