using System.Collections.Concurrent;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using MeshProxy.Grpc.Server;
using MeshProxy.Samples.Payments.V1;
using MeshProxy.Samples.Users.V1;

namespace MeshProxy.Grpc.Tests.Infrastructure;

/// <summary>
/// Handlers whose behaviour is chosen by the request (GetUser's user_id), so one server serves every test. The grpc-js
/// peer (tests/node/interop/server.js) implements the same behaviours.
/// </summary>
public sealed class TestService
{
    public const string TestIdHeader = "x-test-id";

    /// <summary>Per test id: how the server saw its call end when the handler waited for cancellation.</summary>
    public ConcurrentDictionary<string, TaskCompletionSource<string>> CancellationSeen { get; } = new();

    public TaskCompletionSource<string> ExpectCancellation(string testId) =>
        CancellationSeen.GetOrAdd(testId, _ => new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously));

    public IEnumerable<GrpcServiceDefinition> Build()
    {
        yield return new GrpcServiceBuilder(TestMethods.UserService)
            .AddUnary(TestMethods.GetUser, GetUserAsync)
            .AddUnary(TestMethods.CreateUser, (request, context) =>
            {
                if (request.User?.Labels.TryGetValue("compress", out var algorithm) == true)
                {
                    context.ResponseCompressionAlgorithm = algorithm;
                }

                return Task.FromResult(request.User ?? new User());
            })
            .AddServerStreaming(TestMethods.ListUsers, ListUsersAsync)
            .AddDuplexStreaming(TestMethods.SyncUsers, SyncUsersAsync)
            .Build();
        yield return new GrpcServiceBuilder(TestMethods.PaymentService)
            .AddClientStreaming(TestMethods.BatchCharge, BatchChargeAsync)
            .Build();
    }

    private async Task<User> GetUserAsync(GetUserRequest request, ServerCallContext context)
    {
        switch (request.UserId)
        {
            case "echo-metadata":
            {
                var user = new User { UserId = request.UserId };
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
                    UserId = request.UserId,
                    DisplayName = context.Deadline == DateTime.MaxValue
                        ? "none"
                        : ((long)(context.Deadline - DateTime.UtcNow).TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture),
                };

            case "wait-for-cancel":
            {
                var seen = ExpectCancellation(context.RequestHeaders.GetValue(TestIdHeader) ?? "none");
                // Headers tell the client the handler is running, so it can cancel without guessing.
                await context.WriteResponseHeadersAsync(new Metadata());
                try
                {
                    await Task.Delay(Timeout.Infinite, context.CancellationToken);
                }
                catch (OperationCanceledException)
                {
                    seen.TrySetResult(context.HttpContext.RequestAborted.IsCancellationRequested ? "cancelled" : "deadline");
                    throw;
                }

                throw new InvalidOperationException("Unreachable.");
            }

            case "error-details":
            {
                var rpcStatus = new Google.Rpc.Status
                {
                    Code = (int)StatusCode.FailedPrecondition,
                    Message = "precondition failed: ünïcode % 100",
                    Details = { Any.Pack(new DebugInfo { Detail = "TEST_REASON" }) },
                };
                throw new RpcException(Status.FromRpcStatus(rpcStatus), new Metadata { { "x-error-trailer", "yes" } });
            }

            case var reset when reset.StartsWith("reset:", StringComparison.Ordinal):
            {
                // The server resets the stream with this HTTP/2 error code, as a crashing or refusing server would.
                var feature = context.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResetFeature>()!;
                await context.WriteResponseHeadersAsync(new Metadata());
                feature.Reset(int.Parse(reset["reset:".Length..], System.Globalization.CultureInfo.InvariantCulture));
                await Task.Delay(Timeout.Infinite, context.CancellationToken);
                throw new InvalidOperationException("Unreachable.");
            }

            case var code when code.StartsWith("status:", StringComparison.Ordinal):
                throw new RpcException(new Status((StatusCode)int.Parse(code["status:".Length..], System.Globalization.CultureInfo.InvariantCulture), "status " + code));

            case "throw":
                throw new InvalidOperationException("secret detail");

            case "not-found":
                throw new RpcException(new Status(StatusCode.NotFound, "user not found"));

            default:
                return new User { UserId = request.UserId, DisplayName = "User " + request.UserId };
        }
    }

    private async Task ListUsersAsync(ListUsersRequest request, IServerStreamWriter<User> stream, ServerCallContext context)
    {
        for (var i = 0; i < request.PageSize; i++)
        {
            await stream.WriteAsync(new User { UserId = "u" + i, Plan = request.Plan }, context.CancellationToken);
        }

        if (request.Plan == Plan.Pro)
        {
            // After the messages, wait until the deadline or the client ends the call.
            var seen = ExpectCancellation(context.RequestHeaders.GetValue(TestIdHeader) ?? "none");
            try
            {
                await Task.Delay(Timeout.Infinite, context.CancellationToken);
            }
            catch (OperationCanceledException)
            {
                seen.TrySetResult(context.HttpContext.RequestAborted.IsCancellationRequested ? "cancelled" : "deadline");
                throw;
            }
        }

        if (request.Plan == Plan.Enterprise)
        {
            throw new RpcException(new Status(StatusCode.Aborted, "stream aborted after messages"));
        }
    }

    private static async Task SyncUsersAsync(IAsyncStreamReader<SyncUsersRequest> requests, IServerStreamWriter<SyncUsersResponse> responses, ServerCallContext context)
    {
        await foreach (var change in requests.ReadAllAsync(context.CancellationToken))
        {
            var response = change.ChangeCase == SyncUsersRequest.ChangeOneofCase.Upsert
                ? new SyncUsersResponse { UserId = change.Upsert.UserId, User = change.Upsert }
                : new SyncUsersResponse { UserId = change.DeleteUserId, Deleted = true };
            await responses.WriteAsync(response, context.CancellationToken);
        }
    }

    private static async Task<BatchChargeSummary> BatchChargeAsync(IAsyncStreamReader<ChargeCardRequest> requests, ServerCallContext context)
    {
        var summary = new BatchChargeSummary { Total = new Money { CurrencyCode = "EUR" } };
        await foreach (var charge in requests.ReadAllAsync(context.CancellationToken))
        {
            summary.Succeeded++;
            summary.ChargeIds.Add(charge.IdempotencyKey);
            summary.Total.Units += charge.Amount?.Units ?? 0;
        }

        return summary;
    }
}
