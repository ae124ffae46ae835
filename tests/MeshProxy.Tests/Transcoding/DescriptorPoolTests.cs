using Google.Protobuf;
using Google.Protobuf.Reflection;
using MeshProxy.Transcoding.Descriptors;

namespace MeshProxy.Tests.Transcoding;

public sealed class DescriptorPoolTests
{
    [Fact]
    public void Load_ProtosDescriptorSet_FindsMessagesEnumsServicesAndHttpRules()
    {
        var pool = CodecTestData.Pool;
        var everything = pool.FindMessage("meshproxy.testing.v1.Everything");
        Assert.NotNull(everything);
        Assert.Same(everything, pool.FindMessage(".meshproxy.testing.v1.Everything"));
        Assert.NotNull(pool.FindMessage("meshproxy.testing.v1.Everything.Nested"));
        Assert.NotNull(pool.FindEnum("meshproxy.testing.v1.Color"));
        Assert.Null(pool.FindMessage("meshproxy.testing.v1.Nope"));

        var renamed = everything.FindField("customName".AsSpan());
        Assert.NotNull(renamed);
        Assert.Same(renamed, everything.FindField("renamed".AsSpan()));
        Assert.Same(renamed, everything.FindField(93));
        Assert.True(everything.FindField("rInt32".AsSpan())!.IsPacked);
        Assert.False(everything.FindField("rUnpackedInt32".AsSpan())!.IsPacked);
        Assert.True(everything.FindField("pInt32".AsSpan())!.HasPresence);
        Assert.False(everything.FindField("fInt32".AsSpan())!.HasPresence);
        Assert.Equal(WellKnownType.Timestamp, everything.FindField("wTimestamp".AsSpan())!.MessageType.WellKnown);

        var service = pool.FindService("users.v1.UserService");
        Assert.NotNull(service);
        var rule = DescriptorPool.GetHttpRule(service.FindMethodByName("GetUser"));
        Assert.NotNull(rule);
        Assert.Equal("/v1/users/{user_id}", rule.Get);
    }

    [Theory]
    [InlineData(new byte[] { 0x7B, 0x22, 0x61, 0x22, 0x3A, 0x31, 0x7D })] // {"a":1}
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF })]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 0x0A, 0x05, 0x01 })]
    public void Load_NotADescriptorSet_ThrowsWithPreciseMessage(byte[] bytes)
    {
        var error = Assert.Throws<DescriptorSetException>(() => DescriptorPool.Load(bytes));
        Assert.StartsWith("Not a FileDescriptorSet", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingImport_ThrowsNamingImportAndImporter()
    {
        var full = FileDescriptorSet.Parser.ParseFrom(File.ReadAllBytes(CodecTestData.DescriptorSetPath));
        var partial = new FileDescriptorSet();
        partial.File.Add(full.File.Single(f => f.Name == "users/v1/users.proto"));
        var error = Assert.Throws<DescriptorSetException>(() => DescriptorPool.Load(partial.ToByteArray()));
        Assert.Equal(
            "The descriptor set misses 'google/api/annotations.proto', imported by 'users/v1/users.proto' (build it with --include_imports).",
            error.Message);
    }

    [Fact]
    public void Load_WithoutWellKnownTypeFiles_UsesBundledOnes()
    {
        var full = FileDescriptorSet.Parser.ParseFrom(File.ReadAllBytes(CodecTestData.DescriptorSetPath));
        var partial = new FileDescriptorSet();
        partial.File.Add(full.File.Single(f => f.Name == "meshproxy/testing/v1/everything.proto"));
        var pool = DescriptorPool.Load(partial.ToByteArray());
        var type = pool.FindMessage("meshproxy.testing.v1.Everything")!;
        var binary = CodecTestData.ToBinaryOrThrow("{\"wDuration\": \"1.5s\"}", type);
        Assert.Equal(1, MeshProxy.Testing.V1.Everything.Parser.ParseFrom(binary).WDuration.Seconds);
    }

    [Fact]
    public void Load_UnresolvableTypeReference_ThrowsDoesNotLink()
    {
        var file = new FileDescriptorProto { Name = "broken.proto", Package = "broken", Syntax = "proto3" };
        file.MessageType.Add(new DescriptorProto
        {
            Name = "Holder",
            Field = { new FieldDescriptorProto { Name = "x", Number = 1, Type = FieldDescriptorProto.Types.Type.Message, TypeName = ".broken.Missing", Label = FieldDescriptorProto.Types.Label.Optional } },
        });
        var set = new FileDescriptorSet { File = { file } };
        var error = Assert.Throws<DescriptorSetException>(() => DescriptorPool.Load(set.ToByteArray()));
        Assert.StartsWith("The descriptor set does not link:", error.Message, StringComparison.Ordinal);
        Assert.Contains("broken.Missing", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadFile_MissingFile_ThrowsDescriptorSetException()
    {
        var error = Assert.Throws<DescriptorSetException>(() => DescriptorPool.LoadFile("/nonexistent/meshproxy.pb"));
        Assert.Contains("/nonexistent/meshproxy.pb", error.Message, StringComparison.Ordinal);
    }
}
