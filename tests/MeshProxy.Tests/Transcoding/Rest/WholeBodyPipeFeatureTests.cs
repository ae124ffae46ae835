using MeshProxy.Transcoding.Rest;
using MeshProxy.Protection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace MeshProxy.Tests.Transcoding.Rest;

public sealed class WholeBodyPipeFeatureTests
{
    // The gRPC-Web gateway hands the decoded frames on as the request body: the commit gate must find them whole at once.
    [Fact]
    public async Task DecodedFrames_CommitGatePassesWithoutWaitingAndTheBodyStillHoldsEveryByte()
    {
        byte[] frames = [0, 0, 0, 0, 2, 8, 1];
        var context = new DefaultHttpContext();
        context.Request.Body = new MemoryStream(frames, writable: false);
        context.Features.Set<IRequestBodyPipeFeature>(new WholeBodyPipeFeature(frames));
        var gate = new CallerCommitGate(ProtectionOptions.Default, TimeProvider.System);

        var admitted = gate.WaitAsync(context);

        Assert.True(admitted.IsCompletedSuccessfully);
        Assert.True(await admitted);
        using var copy = new MemoryStream();
        await context.Request.Body.CopyToAsync(copy);
        Assert.Equal(frames, copy.ToArray());
    }
}
