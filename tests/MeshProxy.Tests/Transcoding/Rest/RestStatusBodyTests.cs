using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using MeshProxy.Transcoding.Descriptors;
using MeshProxy.Transcoding.Rest;

namespace MeshProxy.Tests.Transcoding.Rest;

public sealed class RestStatusBodyTests
{
    [Fact]
    public void Create_WithoutDetails_IsCodeMessageAndEmptyDetails()
    {
        using var json = JsonDocument.Parse(RestStatusBody.Create(MeshProxy.Grpc.StatusCode.NotFound, "no such user"));

        Assert.Equal(5, json.RootElement.GetProperty("code").GetInt32());
        Assert.Equal("no such user", json.RootElement.GetProperty("message").GetString());
        Assert.Equal(0, json.RootElement.GetProperty("details").GetArrayLength());
    }

    [Fact]
    public void Create_StandardDetails_MatchGoogleProtobufFormatter()
    {
        var info = new BadRequest { FieldViolations = { new BadRequest.Types.FieldViolation { Field = "items[2].sku", Description = "unknown" } } };
        var retry = new RetryInfo { RetryDelay = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(1500)) };
        var status = new Google.Rpc.Status { Code = 8, Message = "slow down", Details = { Any.Pack(info), Any.Pack(retry) } };

        using var json = JsonDocument.Parse(RestStatusBody.Create(MeshProxy.Grpc.StatusCode.ResourceExhausted, "slow down", status.ToByteArray(), pool: null));

        var registry = TypeRegistry.FromMessages(BadRequest.Descriptor, RetryInfo.Descriptor);
        var formatter = new JsonFormatter(JsonFormatter.Settings.Default.WithTypeRegistry(registry));
        var details = json.RootElement.GetProperty("details").EnumerateArray().ToArray();
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(formatter.Format(Any.Pack(info))), JsonNode.Parse(details[0].GetRawText())), details[0].GetRawText());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(formatter.Format(Any.Pack(retry))), JsonNode.Parse(details[1].GetRawText())), details[1].GetRawText());
    }

    [Fact]
    public void Create_WithEmitDefaultValues_PrintsDetailsLikeGoogleProtobufFormatterWithDefaults()
    {
        var info = new BadRequest { FieldViolations = { new BadRequest.Types.FieldViolation { Field = "text", Description = "empty" } } };
        var status = new Google.Rpc.Status { Code = 3, Details = { Any.Pack(info) } };

        using var json = JsonDocument.Parse(RestStatusBody.Create(
            MeshProxy.Grpc.StatusCode.InvalidArgument, "bad", status.ToByteArray(), pool: null, new MeshProxy.Transcoding.Json.JsonFormatOptions { EmitDefaultValues = true }));

        var registry = TypeRegistry.FromMessages(BadRequest.Descriptor);
        var formatter = new JsonFormatter(JsonFormatter.Settings.Default.WithTypeRegistry(registry).WithFormatDefaultValues(true));
        var detail = json.RootElement.GetProperty("details")[0];
        Assert.Equal(string.Empty, detail.GetProperty("fieldViolations")[0].GetProperty("reason").GetString());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(formatter.Format(Any.Pack(info))), JsonNode.Parse(detail.GetRawText())), detail.GetRawText());
    }

    [Fact]
    public void Create_UnknownDetailType_KeepsTypeUrlAndBase64Value()
    {
        var status = new Google.Rpc.Status { Code = 3, Details = { new Any { TypeUrl = "type.googleapis.com/acme.v1.Secret", Value = ByteString.CopyFrom(9, 8, 7) } } };

        using var json = JsonDocument.Parse(RestStatusBody.Create(MeshProxy.Grpc.StatusCode.InvalidArgument, "bad", status.ToByteArray(), StatusDetailsPool.Pool));

        var detail = json.RootElement.GetProperty("details")[0];
        Assert.Equal("type.googleapis.com/acme.v1.Secret", detail.GetProperty("@type").GetString());
        Assert.Equal("CQgH", detail.GetProperty("value").GetString());
    }

    [Fact]
    public void Create_CorruptDetailsBytes_StillWritesTheStatus()
    {
        using var json = JsonDocument.Parse(RestStatusBody.Create(MeshProxy.Grpc.StatusCode.Internal, "boom", [0x0a, 0xff, 0xff], pool: null));

        Assert.Equal(13, json.RootElement.GetProperty("code").GetInt32());
        Assert.Equal(0, json.RootElement.GetProperty("details").GetArrayLength());
    }

    [Fact]
    public void StatusDetailsPool_HasEveryStandardDetailType()
    {
        foreach (var type in ErrorDetailsReflection.Descriptor.MessageTypes)
        {
            Assert.NotNull(StatusDetailsPool.Pool.FindMessage(type.FullName));
        }

        Assert.IsType<DescriptorPool>(StatusDetailsPool.Pool);
    }
}
