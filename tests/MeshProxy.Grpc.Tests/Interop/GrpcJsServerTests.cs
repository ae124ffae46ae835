using MeshProxy.Grpc.Tests.Client;
using MeshProxy.Grpc.Tests.Infrastructure;
using MeshProxy.Samples.Users.V1;
using MeshProxy.TestSupport;

namespace MeshProxy.Grpc.Tests.Interop;

/// <summary>OUR client calls a @grpc/grpc-js server (which compresses every response with gzip).</summary>
public sealed class GrpcJsServerTests(GrpcJsServerFixture server) : ClientContractTests(server.Address), IClassFixture<GrpcJsServerFixture>
{
    protected override bool ServerSendsExceptionText => true;

    protected override bool ServerExposesUserAgent => true;

    /// <summary>server.js records how each tagged call ended; a later "cancel-seen:&lt;id&gt;" call waits for and returns it.</summary>
    protected override Func<Task<string>> WatchServerCancellation(string testId) => async () =>
    {
        using var call = Channel.UnaryAsync(TestMethods.GetUser, new GetUserRequest { UserId = "cancel-seen:" + testId });
        return (await call.ResponseAsync.DefaultTimeout()).DisplayName;
    };
}
