using System.Buffers;
using MeshProxy.Protection;
using MeshProxy.Transcoding.Rest;
using Microsoft.AspNetCore.Http;

namespace MeshProxy.Tests.Transcoding.Rest;

public sealed class InnerGrpcContextTests
{
    private static readonly byte[] Frame = [0, 0, 0, 0, 3, 10, 1, 65];

    // A unary REST or Connect call is whole before its inner call starts: the commit gate must see that in one TryRead
    // and let it through at once, not read it again behind a timer (which cost each REST call ~1.5 KB and a timer).
    [Fact]
    public async Task WholeFrame_CommitGatePassesWithoutWaitingAndTheForwarderReadsEveryByte()
    {
        var inner = InnerGrpcContext.Create(new DefaultHttpContext(), "/pkg.Svc/M", new HeaderDictionary(), Frame, Capture());
        var gate = new CallerCommitGate(ProtectionOptions.Default, TimeProvider.System);

        var admitted = gate.WaitAsync(inner);

        Assert.True(admitted.IsCompletedSuccessfully);
        Assert.True(await admitted);
        Assert.Equal(Frame, await ReadAllAsync(inner.Request.Body));
    }

    [Fact]
    public void WholeFrame_ReaderHoldsTheCompleteRequestBeforeAnyRead()
    {
        var inner = InnerGrpcContext.Create(new DefaultHttpContext(), "/pkg.Svc/M", new HeaderDictionary(), Frame, Capture());

        Assert.True(inner.Request.BodyReader.TryRead(out var result));
        Assert.True(result.IsCompleted);
        Assert.Equal(Frame, result.Buffer.ToArray());
    }

    // A streamed body is produced as the caller's arrives: its reader must not claim a whole request it has not read.
    [Fact]
    public async Task StreamedBody_GateReadsItToItsEndAndTheForwarderStillGetsEveryByte()
    {
        var inner = InnerGrpcContext.Create(new DefaultHttpContext(), "/pkg.Svc/M", new HeaderDictionary(), new MemoryStream(Frame), Capture());
        var gate = new CallerCommitGate(ProtectionOptions.Default, TimeProvider.System);

        Assert.False(inner.Request.BodyReader.TryRead(out _));
        Assert.True(await gate.WaitAsync(inner));
        Assert.Equal(Frame, await ReadAllAsync(inner.Request.Body));
    }

    private static UpstreamResponseCapture Capture() =>
        new(new DefaultHttpContext().Response, 1024, (_, _) => ValueTask.CompletedTask);

    private static async Task<byte[]> ReadAllAsync(Stream body)
    {
        using var copy = new MemoryStream();
        await body.CopyToAsync(copy);
        return copy.ToArray();
    }
}
