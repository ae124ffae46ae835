using System.Buffers;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using MeshProxy.Cli.Call;
using MeshProxy.Samples.Users.V1;

namespace MeshProxy.Tests.Cli.Call;

public sealed class RawMessageTests
{
    [Fact]
    public void RoundTrip_GeneratedMessage_KeepsEveryByte()
    {
        var user = new User
        {
            UserId = "u-1",
            DisplayName = "Ada",
            Plan = Plan.Pro,
            StorageBytes = -5,
            CreateTime = Timestamp.FromDateTimeOffset(DateTimeOffset.UnixEpoch.AddDays(1)),
            Labels = { ["team"] = "research", ["site"] = "ldn" },
        };
        var bytes = user.ToByteArray();

        var raw = RawMessage.Parser.ParseFrom(new ReadOnlySequence<byte>(bytes));
        var written = new byte[raw.CalculateSize()];
        raw.WriteTo(written.AsSpan());

        Assert.Equal(bytes, raw.Bytes.ToArray());
        Assert.Equal(bytes, written);
        Assert.Equal(user, User.Parser.ParseFrom(written));
    }

    [Fact]
    public void Parse_OneofSetTwice_KeepsWireOrderSoTheLastWins()
    {
        // delete_user_id (2) then upsert (1): the upsert must stay last, or the oneof would flip on decode.
        var first = new SyncUsersRequest { DeleteUserId = "u-9" }.ToByteArray();
        var second = new SyncUsersRequest { Upsert = new User { UserId = "u-1" } }.ToByteArray();
        byte[] both = [.. first, .. second];

        var raw = RawMessage.Parser.ParseFrom(both);

        Assert.Equal(both, raw.Bytes.ToArray());
        Assert.Equal(SyncUsersRequest.ChangeOneofCase.Upsert, SyncUsersRequest.Parser.ParseFrom(raw.Bytes.Span).ChangeCase);
    }

    [Fact]
    public void Parse_GroupAndFixedFields_AreCopied()
    {
        // field 5 start group { field 1 fixed32 = 1 } end group 5; field 6 fixed64 = 2; field 7 varint 300.
        byte[] bytes = [0x2B, 0x0D, 1, 0, 0, 0, 0x2C, 0x31, 2, 0, 0, 0, 0, 0, 0, 0, 0x38, 0xAC, 0x02];

        Assert.Equal(bytes, RawMessage.Parser.ParseFrom(bytes).Bytes.ToArray());
    }

    [Theory]
    [InlineData(new byte[] { 0x0E })]
    [InlineData(new byte[] { 0x0A, 0x05, 0x01 })]
    public void Parse_MalformedBytes_ThrowsTheParseException(byte[] bytes) =>
        Assert.Throws<InvalidProtocolBufferException>(() => RawMessage.Parser.ParseFrom(new ReadOnlySequence<byte>(bytes)));

    [Fact]
    public void Write_ThroughCodedOutputStream_CopiesBytes()
    {
        byte[] bytes = [0x08, 0x96, 0x01, 0x12, 0x03, 0x61, 0x62, 0x63, 0x18, 0x01];
        using var stream = new MemoryStream();
        var output = new CodedOutputStream(stream);

        new RawMessage(bytes).WriteTo(output);
        output.Flush();

        Assert.Equal(bytes, stream.ToArray());
    }
}
