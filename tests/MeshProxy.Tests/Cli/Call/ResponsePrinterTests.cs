using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using MeshProxy.Cli.Call;
using MeshProxy.Samples.Users.V1;
using MeshProxy.TestSupport;
using MeshProxy.Transcoding.Descriptors;
using MeshProxy.Transcoding.Json;

namespace MeshProxy.Tests.Cli.Call;

public sealed class ResponsePrinterTests
{
    // The names of doc/statuscodes.md in grpc/grpc.
    [Theory]
    [InlineData(StatusCode.OK, "OK")]
    [InlineData(StatusCode.DeadlineExceeded, "DEADLINE_EXCEEDED")]
    [InlineData(StatusCode.NotFound, "NOT_FOUND")]
    [InlineData(StatusCode.ResourceExhausted, "RESOURCE_EXHAUSTED")]
    [InlineData(StatusCode.Unavailable, "UNAVAILABLE")]
    [InlineData(StatusCode.DataLoss, "DATA_LOSS")]
    [InlineData((StatusCode)99, "UNKNOWN")]
    public void StatusName_IsTheSpecName(StatusCode code, string expected) =>
        Assert.Equal(expected, ResponsePrinter.StatusName(code));

    [Fact]
    public async Task PrintStatus_WithDetails_DecodesThoseThePoolKnows()
    {
        var pool = DescriptorPool.LoadFile(Path.Combine(AppContext.BaseDirectory, "descriptor-set.pb"));
        var rpcStatus = new Google.Rpc.Status
        {
            Code = (int)StatusCode.InvalidArgument,
            Message = "bad user",
            Details =
            {
                Any.Pack(new User { UserId = "u-1", Plan = Plan.Free }),
                new Any { TypeUrl = "type.googleapis.com/acme.v1.Unknown", Value = ByteString.CopyFrom(1, 2, 3) },
            },
        };
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var printer = new ResponsePrinter(pool.FindMessage("users.v1.User")!, JsonFormatOptions.Default with { Indented = true }, stdout, stderr, verbose: false);

        var trailers = new Metadata { { ResponsePrinter.StatusDetailsTrailer, rpcStatus.ToByteArray() } };

        await printer.PrintStatusAsync(new Status(StatusCode.InvalidArgument, "bad user"), trailers, pool).DefaultTimeout();

        Assert.Equal(
            """
            ERROR: INVALID_ARGUMENT (3): bad user
              detail users.v1.User: {"userId":"u-1","plan":"PLAN_FREE"}
              detail acme.v1.Unknown: <3 bytes>

            """.ReplaceLineEndings(),
            stderr.ToString());
        Assert.Equal(string.Empty, stdout.ToString());
    }

    [Fact]
    public async Task PrintMetadata_NotVerbose_PrintsNothing()
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var printer = new ResponsePrinter(null!, JsonFormatOptions.Default, stdout, stderr, verbose: false);

        await printer.PrintMetadataAsync("Response headers", new Metadata { { "x-a", "1" } }).DefaultTimeout();

        Assert.Equal(string.Empty, stderr.ToString());
    }
}
