using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Http.Features;

namespace MeshProxy.Browser;

/// <summary>
/// The body reader of a gRPC-Web call once its frames are read whole and decoded: it holds the complete request at
/// once, so the commit gate sees a finished request in one <c>TryRead</c>. Without it Kestrel would wrap the replaced
/// body stream in a reader that knows nothing until its first read, and the gate would read it again behind a timer.
/// </summary>
internal sealed class WholeBodyPipeFeature(byte[] body) : IRequestBodyPipeFeature
{
    public PipeReader Reader { get; } = PipeReader.Create(new ReadOnlySequence<byte>(body));
}
