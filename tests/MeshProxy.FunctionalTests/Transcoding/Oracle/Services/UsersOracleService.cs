using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using MeshProxy.Samples.Users.V1;

namespace MeshProxy.FunctionalTests.Transcoding.Oracle.Services;

/// <summary>
/// users.v1.UserService without state: every answer is computed from the request, so the sidecar's call and the
/// oracle's call of one case see the same reply.
/// </summary>
internal sealed class UsersOracleService : UserService.UserServiceBase
{
    internal static readonly Timestamp Epoch = Timestamp.FromDateTime(new DateTime(2026, 1, 2, 3, 4, 5, 123, DateTimeKind.Utc));

    public override Task<User> GetUser(GetUserRequest request, ServerCallContext context)
    {
        OracleEcho.ThrowIfAsked(request.UserId);
        return Task.FromResult(Sample(request.UserId));
    }

    public override Task<User> CreateUser(CreateUserRequest request, ServerCallContext context)
    {
        if (string.IsNullOrEmpty(request.User?.Email))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "email is required"));
        }

        var user = request.User.Clone();
        user.CreateTime = Epoch;
        return Task.FromResult(user);
    }

    public override Task<User> UpdateUser(UpdateUserRequest request, ServerCallContext context)
    {
        var user = request.User?.Clone() ?? new User();
        user.Labels["mask"] = string.Join(",", request.UpdateMask?.Paths ?? []);
        user.UpdateTime = Epoch;
        return Task.FromResult(user);
    }

    public override Task<Empty> DeleteUser(DeleteUserRequest request, ServerCallContext context)
    {
        OracleEcho.ThrowIfAsked(request.UserId);
        return Task.FromResult(new Empty());
    }

    public override async Task ListUsers(ListUsersRequest request, IServerStreamWriter<User> responseStream, ServerCallContext context)
    {
        var count = request.PageSize == 0 ? 3 : request.PageSize;
        for (var i = 0; i < count; i++)
        {
            var user = Sample($"u-{i}");
            user.Plan = request.Plan;
            await responseStream.WriteAsync(user);
        }
    }

    public override async Task SyncUsers(IAsyncStreamReader<SyncUsersRequest> requestStream, IServerStreamWriter<SyncUsersResponse> responseStream, ServerCallContext context)
    {
        await foreach (var change in requestStream.ReadAllAsync(context.CancellationToken))
        {
            await responseStream.WriteAsync(change.ChangeCase == SyncUsersRequest.ChangeOneofCase.DeleteUserId
                ? new SyncUsersResponse { UserId = change.DeleteUserId, Deleted = true }
                : new SyncUsersResponse { UserId = change.Upsert.UserId, User = change.Upsert });
        }
    }

    private static User Sample(string id) => new()
    {
        UserId = id,
        DisplayName = "User " + id,
        Email = id + "@example.com",
        Plan = Plan.Pro,
        CreateTime = Epoch,
        Labels = { ["team"] = "mesh", ["tier"] = "gold" },
        StorageBytes = 9_007_199_254_740_993,
    };
}
