using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Http.Features;

namespace MeshProxy.Transcoding.Rest;

/// <summary>
/// The body reader of a gRPC request whose body is already whole in memory (a unary REST, Connect or gRPC-Web call,
/// read and converted before it is forwarded): it holds the complete request at once, so the commit gate sees a
/// finished request in one <c>TryRead</c>. A reader over the body stream would know nothing until its first read, and
/// the gate would read the body again behind a timer.
/// </summary>
internal sealed class WholeBodyPipeFeature(byte[] body) : IRequestBodyPipeFeature
{
    public PipeReader Reader { get; } = PipeReader.Create(new ReadOnlySequence<byte>(body));
}
