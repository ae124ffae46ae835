using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using MeshProxy.Grpc;
using MeshProxy.Grpc.Server;
using MeshProxy.SampleBackends.Faults;
using MeshProxy.Samples.Users.V1;

namespace MeshProxy.SampleBackends.Users;

/// <summary>users.v1.UserService over a <see cref="UserStore"/>.</summary>
internal static class UserServiceDefinition
{
    public static GrpcServiceDefinition Create(UserStore store) =>
        new GrpcServiceBuilder(UserServiceMethods.ServiceName)
            .AddUnary(UserServiceMethods.GetUser, (request, _) => Task.FromResult(store.Get(request.UserId)))
            .AddUnary(UserServiceMethods.CreateUser, (request, _) => Task.FromResult(store.Create(request.User)))
            .AddUnary(UserServiceMethods.UpdateUser, (request, _) => Task.FromResult(store.Update(request.User, request.UpdateMask)))
            .AddUnary(UserServiceMethods.DeleteUser, (request, _) =>
            {
                store.Delete(request.UserId);
                return Task.FromResult(new Empty());
            })
            .AddServerStreaming(UserServiceMethods.ListUsers, FaultingStreams.Wrap<ListUsersRequest, User>(ListUsersAsync(store)))
            .AddDuplexStreaming(UserServiceMethods.SyncUsers, FaultingStreams.Wrap<SyncUsersRequest, SyncUsersResponse>(SyncUsersAsync(store)))
            .Build();

    private static ServerStreamingServerMethod<ListUsersRequest, User> ListUsersAsync(UserStore store) =>
        async (request, stream, context) =>
        {
            foreach (var user in store.List(request.PageSize, request.Plan))
            {
                await stream.WriteAsync(user, context.CancellationToken).ConfigureAwait(false);
            }
        };

    private static DuplexStreamingServerMethod<SyncUsersRequest, SyncUsersResponse> SyncUsersAsync(UserStore store) =>
        async (requests, stream, context) =>
        {
            // Each change is applied and answered before the next is read, so answers keep the order of changes.
            var index = 0;
            while (await requests.MoveNext(context.CancellationToken).ConfigureAwait(false))
            {
                var change = requests.Current;
                SyncUsersResponse response;
                try
                {
                    response = change.ChangeCase switch
                    {
                        SyncUsersRequest.ChangeOneofCase.Upsert => Upserted(store.Upsert(change.Upsert)),
                        SyncUsersRequest.ChangeOneofCase.DeleteUserId => new SyncUsersResponse
                        {
                            UserId = change.DeleteUserId,
                            Deleted = store.TryDelete(change.DeleteUserId),
                        },
                        _ => throw UserStore.Invalid("change must set upsert or delete_user_id."),
                    };
                }
                catch (RpcException ex)
                {
                    // Name the change that failed; the ones before it stay applied and answered.
                    throw new RpcException(ex.Status with
                    {
                        Detail = string.Create(CultureInfo.InvariantCulture, $"change {index}: {ex.Status.Detail}"),
                    });
                }

                await stream.WriteAsync(response, context.CancellationToken).ConfigureAwait(false);
                index++;
            }
        };

    private static SyncUsersResponse Upserted(User user) => new() { UserId = user.UserId, User = user };
}
