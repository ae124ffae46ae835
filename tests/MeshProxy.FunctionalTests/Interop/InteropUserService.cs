using System.Globalization;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using MeshProxy.Samples.Users.V1;
using GrpcStatus = Grpc.Core.Status;

namespace MeshProxy.FunctionalTests.Interop;

/// <summary>
/// users.v1.UserService on grpc-dotnet with the behaviours of tests/node/interop/server.js, chosen by the request
/// (GetUser's user_id), so every interop test can run against either server.
/// </summary>
public sealed class InteropUserService(CancellationLog cancellations) : UserService.UserServiceBase
{
    public override async Task<User> GetUser(GetUserRequest request, ServerCallContext context)
    {
        var id = request.UserId;
        switch (id)
        {
            case "echo-metadata":
            {
                var user = new User { UserId = id };
                foreach (var entry in context.RequestHeaders)
                {
                    user.Labels[entry.Key] = entry.IsBinary ? "base64:" + Convert.ToBase64String(entry.ValueBytes) : entry.Value;
                }

                await context.WriteResponseHeadersAsync(new Metadata { { "x-resp-header", "header-value" }, { "x-resp-bin", new byte[] { 0xDE, 0xAD, 0xBE, 0xEF } } });
                context.ResponseTrailers.Add("x-resp-trailer", "trailer-value");
                context.ResponseTrailers.Add("x-trailer-bin", new byte[] { 1, 2, 3, 0xFF });
                return user;
            }

            case "deadline-info":
                return new User
                {
                    UserId = id,
                    DisplayName = context.Deadline == DateTime.MaxValue
                        ? "none"
                        : ((long)(context.Deadline - DateTime.UtcNow).TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
                };

            case "wait-for-cancel":
                // Headers tell the client the handler is running, so it can cancel without guessing.
                await context.WriteResponseHeadersAsync([]);
                await WaitForEndAsync(context);
                throw new RpcException(new GrpcStatus(StatusCode.Cancelled, "cancelled"));

            case var seen when seen.StartsWith("cancel-seen:", StringComparison.Ordinal):
                return new User { UserId = id, DisplayName = await cancellations.WaitAsync(seen["cancel-seen:".Length..], context.CancellationToken) };

            case "error-details":
            {
                const string message = "precondition failed: ünïcode % 100";
                var details = new Google.Rpc.Status
                {
                    Code = (int)StatusCode.FailedPrecondition,
                    Message = message,
                    Details = { Any.Pack(new DebugInfo { Detail = "TEST_REASON" }) },
                };
                throw new RpcException(
                    new GrpcStatus(StatusCode.FailedPrecondition, message),
                    new Metadata { { "x-error-trailer", "yes" }, { "grpc-status-details-bin", details.ToByteArray() } });
            }

            case var code when code.StartsWith("status:", StringComparison.Ordinal):
                throw new RpcException(new GrpcStatus((StatusCode)int.Parse(code["status:".Length..], CultureInfo.InvariantCulture), "status " + code));

            case "throw":
                throw new InvalidOperationException("secret detail");

            case "not-found":
                throw new RpcException(new GrpcStatus(StatusCode.NotFound, "user not found"));

            default:
                return new User { UserId = id, DisplayName = "User " + id };
        }
    }

    public override Task<User> CreateUser(CreateUserRequest request, ServerCallContext context) => Task.FromResult(request.User ?? new User());

    public override async Task ListUsers(ListUsersRequest request, IServerStreamWriter<User> responseStream, ServerCallContext context)
    {
        for (var i = 0; i < request.PageSize; i++)
        {
            await responseStream.WriteAsync(new User { UserId = "u" + i, Plan = request.Plan }, context.CancellationToken);
        }

        switch (request.Plan)
        {
            case Plan.Pro:
                // After the messages, wait until the deadline or the client ends the call.
                await WaitForEndAsync(context);
                break;
            case Plan.Enterprise:
                throw new RpcException(new GrpcStatus(StatusCode.Aborted, "stream aborted after messages"));
        }
    }

    public override async Task SyncUsers(IAsyncStreamReader<SyncUsersRequest> requestStream, IServerStreamWriter<SyncUsersResponse> responseStream, ServerCallContext context)
    {
        await foreach (var change in requestStream.ReadAllAsync(context.CancellationToken))
        {
            var response = change.ChangeCase == SyncUsersRequest.ChangeOneofCase.Upsert
                ? new SyncUsersResponse { UserId = change.Upsert.UserId, User = change.Upsert }
                : new SyncUsersResponse { UserId = change.DeleteUserId, Deleted = true };
            await responseStream.WriteAsync(response, context.CancellationToken);
        }
    }

    /// <summary>Waits until the call ends early (deadline or cancel) and records how under the call's test id.</summary>
    private async Task WaitForEndAsync(ServerCallContext context)
    {
        var testId = context.RequestHeaders.GetValue(CancellationLog.TestIdHeader) ?? "none";
        try
        {
            await Task.Delay(Timeout.Infinite, context.CancellationToken);
        }
        catch (OperationCanceledException)
        {
            cancellations.Record(testId, context.Deadline);
        }
    }
}
