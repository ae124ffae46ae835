using MeshProxy.Cli.Call;
using MeshProxy.Grpc;

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
}
