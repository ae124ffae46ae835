using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using MeshProxy.Samples.Users.V1;

namespace MeshProxy.SampleBackends.Users;

/// <summary>users.v1.UserService over the <see cref="UserStore"/>; grpc-dotnet makes one per call.</summary>
internal sealed class UserServiceImpl(UserStore store) : UserService.UserServiceBase
{
    public override Task<User> GetUser(GetUserRequest request, ServerCallContext context) =>
        Task.FromResult(store.Get(request.UserId));

    public override Task<User> CreateUser(CreateUserRequest request, ServerCallContext context) =>
        Task.FromResult(store.Create(request.User));

    public override Task<User> UpdateUser(UpdateUserRequest request, ServerCallContext context) =>
        Task.FromResult(store.Update(request.User, request.UpdateMask));

    public override Task<Empty> DeleteUser(DeleteUserRequest request, ServerCallContext context)
    {
        store.Delete(request.UserId);
        return Task.FromResult(new Empty());
    }

    public override async Task ListUsers(ListUsersRequest request, IServerStreamWriter<User> responseStream, ServerCallContext context)
    {
        foreach (var user in store.List(request.PageSize, request.Plan))
        {
            await responseStream.WriteAsync(user, context.CancellationToken).ConfigureAwait(false);
        }
    }

    public override async Task SyncUsers(IAsyncStreamReader<SyncUsersRequest> requestStream, IServerStreamWriter<SyncUsersResponse> responseStream, ServerCallContext context)
    {
        // Each change is applied and answered before the next is read, so answers keep the order of changes.
        var index = 0;
        await foreach (var change in requestStream.ReadAllAsync(context.CancellationToken).ConfigureAwait(false))
        {
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
                throw new RpcException(new Status(ex.StatusCode, string.Create(CultureInfo.InvariantCulture, $"change {index}: {ex.Status.Detail}")));
            }

            await responseStream.WriteAsync(response, context.CancellationToken).ConfigureAwait(false);
            index++;
        }
    }

    private static SyncUsersResponse Upserted(User user) => new() { UserId = user.UserId, User = user };
}
