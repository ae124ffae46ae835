using System.Diagnostics;
using Google.Protobuf;
using Grpc.Core;
using MeshProxy.SampleBackends;
using MeshProxy.SampleBackends.Faults;
using MeshProxy.Samples.Inventory.V1;
using MeshProxy.Samples.Users.V1;
using MeshProxy.TestSupport;
using Xunit.Abstractions;

namespace MeshProxy.FunctionalTests.SampleBackends;

public sealed class FaultInjectionTests(ITestOutputHelper output)
{
    private static readonly GetUserRequest Ada = new() { UserId = "u-1001" };

    [Fact]
    public async Task FirstN_FailsFirstCallsOfEachMethodThenSucceeds()
    {
        await using var backend = await TestBackend.StartAsync(output, new SampleBackendOptions
        {
            Version = "canary",
            Faults = [Parse("users.v1.UserService/*:status=UNAVAILABLE,first=2,message=try again, later")],
        });

        var outcomes = new List<StatusCode>();
        Metadata? trailers = null;
        for (var i = 0; i < 3; i++)
        {
            using var call = backend.Users.GetUserAsync(Ada);
            try
            {
                await call.ResponseAsync.DefaultTimeout();
                outcomes.Add(StatusCode.OK);
            }
            catch (RpcException ex)
            {
                outcomes.Add(ex.StatusCode);
                Assert.Equal("try again, later", ex.Status.Detail);
                trailers = ex.Trailers;
            }
        }

        using var list = backend.Users.ListUsers(new ListUsersRequest());
        await GrpcAssert.FailsWith(StatusCode.Unavailable, () => list.ResponseStream.MoveNext());
        await backend.Inventory.CheckStockAsync(new CheckStockRequest { Sku = "sku-apple" }).ResponseAsync.DefaultTimeout();

        Assert.Equal([StatusCode.Unavailable, StatusCode.Unavailable, StatusCode.OK], outcomes);
        Assert.Equal("canary", trailers?.GetValue("x-backend-version"));
        Assert.Equal(3, backend.Handle.CallCount("users.v1.UserService/GetUser"));
        Assert.Equal(1, backend.Handle.CallCount("/users.v1.UserService/ListUsers"));
    }

    [Fact]
    public async Task Rate_SameSeed_SameOutcomesOnTwoBackends()
    {
        var options = new SampleBackendOptions { Seed = 1234, Faults = [Parse("*:status=14,rate=0.5")] };
        await using var first = await TestBackend.StartAsync(output, options);
        await using var second = await TestBackend.StartAsync(output, options);

        var a = await OutcomesAsync(first, 24);
        var b = await OutcomesAsync(second, 24);

        Assert.Equal(a, b);
        Assert.Contains(StatusCode.OK, a);
        Assert.Contains(StatusCode.Unavailable, a);
        Assert.Equal(24, first.Handle.CallCount("users.v1.UserService/GetUser"));
    }

    [Fact]
    public async Task Rate_Zero_NeverFailsAndOne_AlwaysFails()
    {
        await using var backend = await TestBackend.StartAsync(output, new SampleBackendOptions
        {
            Faults = [Parse("users.v1.UserService/GetUser:status=INTERNAL,rate=1"), Parse("users.v1.UserService/*:status=INTERNAL,rate=0")],
        });

        Assert.All(await OutcomesAsync(backend, 5), s => Assert.Equal(StatusCode.Internal, s));
        using var list = backend.Users.ListUsers(new ListUsersRequest());
        Assert.NotEmpty(await GrpcAssert.ReadAllAsync(list.ResponseStream));
    }

    [Fact]
    public async Task AfterMessages_ServerStream_SendsThatManyThenFailsInTrailers()
    {
        await using var backend = await TestBackend.StartAsync(output, new SampleBackendOptions
        {
            Version = "v2",
            Faults = [Parse("/users.v1.UserService/ListUsers:status=ABORTED,after-messages=2")],
        });

        using var call = backend.Users.ListUsers(new ListUsersRequest());
        var received = new List<User>();
        var ex = await GrpcAssert.FailsWith(StatusCode.Aborted, async () =>
        {
            while (await call.ResponseStream.MoveNext())
            {
                received.Add(call.ResponseStream.Current);
            }
        });

        Assert.Equal(["u-1001", "u-1002"], received.Select(u => u.UserId));
        Assert.Equal("v2", (await call.ResponseHeadersAsync.DefaultTimeout()).GetValue("x-backend-version"));
        Assert.Contains("Injected fault", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AfterMessages_MoreThanTheStreamHolds_FailsAtItsEnd()
    {
        await using var backend = await TestBackend.StartAsync(output, new SampleBackendOptions
        {
            Faults = [Parse("users.v1.UserService/ListUsers:status=DATA_LOSS,after-messages=50")],
        });

        using var call = backend.Users.ListUsers(new ListUsersRequest());
        var count = 0;
        await GrpcAssert.FailsWith(StatusCode.DataLoss, async () =>
        {
            while (await call.ResponseStream.MoveNext())
            {
                count++;
            }
        });

        Assert.Equal(5, count);
    }

    [Fact]
    public async Task AfterMessages_Unary_FailsTrailersOnly()
    {
        await using var backend = await TestBackend.StartAsync(output, new SampleBackendOptions
        {
            Faults = [Parse("users.v1.UserService/GetUser:status=RESOURCE_EXHAUSTED,after-messages=1")],
        });

        await GrpcAssert.FailsWith(StatusCode.ResourceExhausted, () => backend.Users.GetUserAsync(Ada).ResponseAsync);
    }

    [Fact]
    public async Task Latency_DelaysTheAnswerWithoutFailingIt()
    {
        await using var backend = await TestBackend.StartAsync(output, new SampleBackendOptions
        {
            Faults = [Parse("users.v1.UserService/GetUser:latency=300ms")],
        });

        var stopwatch = Stopwatch.StartNew();
        var user = await backend.Users.GetUserAsync(Ada).ResponseAsync.DefaultTimeout();

        Assert.Equal("u-1001", user.UserId);
        Assert.True(stopwatch.Elapsed >= TimeSpan.FromMilliseconds(290), $"Answered after {stopwatch.Elapsed}.");
    }

    [Fact]
    public async Task Latency_LongerThanDeadline_ClientSeesDeadlineExceeded()
    {
        await using var backend = await TestBackend.StartAsync(output, new SampleBackendOptions
        {
            Faults = [Parse("*:latency=1m")],
        });

        using var call = backend.Users.GetUserAsync(Ada, new CallOptions(deadline: DateTime.UtcNow.AddMilliseconds(200)));

        await GrpcAssert.FailsWith(StatusCode.DeadlineExceeded, () => call.ResponseAsync);
    }

    [Fact]
    public async Task Faults_ChangedAtRunTime_TakeEffectOnNextCall()
    {
        await using var backend = await TestBackend.StartAsync(output);

        await backend.Users.GetUserAsync(Ada).ResponseAsync.DefaultTimeout();
        backend.Handle.Faults.Add("*:status=PERMISSION_DENIED");
        await GrpcAssert.FailsWith(StatusCode.PermissionDenied, () => backend.Users.GetUserAsync(Ada).ResponseAsync);
        backend.Handle.Faults.Add("users.v1.UserService/GetUser:status=UNAUTHENTICATED");
        await GrpcAssert.FailsWith(StatusCode.Unauthenticated, () => backend.Users.GetUserAsync(Ada).ResponseAsync);
        backend.Handle.Faults.Clear();
        await backend.Users.GetUserAsync(Ada).ResponseAsync.DefaultTimeout();

        Assert.Equal(4, backend.Handle.CallCount("users.v1.UserService/GetUser"));
    }

    [Fact]
    public async Task Calls_LastCall_RecordsRequestMetadata()
    {
        await using var backend = await TestBackend.StartAsync(output);

        var headers = new Metadata { { "x-request-id", "req-77" }, { "x-canary", "yes" } };
        await backend.Users.GetUserAsync(Ada, new CallOptions(headers: headers)).ResponseAsync.DefaultTimeout();
        await backend.Users.GetUserAsync(Ada, new CallOptions(headers: new Metadata { { "x-request-id", "req-78" } })).ResponseAsync.DefaultTimeout();

        var last = backend.Handle.LastCall("users.v1.UserService/GetUser");
        Assert.NotNull(last);
        Assert.Equal("/users.v1.UserService/GetUser", last.Method);
        Assert.Equal("req-78", last.Header("x-request-id"));
        Assert.Null(last.Header("x-canary"));
        Assert.Equal("application/grpc", last.Header("content-type"));
        Assert.Null(backend.Handle.LastCall("users.v1.UserService/ListUsers"));
        Assert.Equal(0, backend.Handle.CallCount("users.v1.UserService/ListUsers"));
    }

    [Fact]
    public async Task UnknownMethod_Unimplemented_StillLabelledAndCounted()
    {
        await using var backend = await TestBackend.StartAsync(output, new SampleBackendOptions { Version = "v9" });
        var missing = new Method<GetUserRequest, User>(MethodType.Unary, "users.v1.UserService", "Missing", Marshallers.Create(r => r.ToByteArray(), GetUserRequest.Parser.ParseFrom), Marshallers.Create(r => r.ToByteArray(), User.Parser.ParseFrom));

        var ex = await GrpcAssert.FailsWith(StatusCode.Unimplemented, () => backend.Channel.CreateCallInvoker().AsyncUnaryCall(missing, null, default, Ada).ResponseAsync);

        Assert.Equal("v9", ex.Trailers.GetValue("x-backend-version"));
        Assert.Equal(1, backend.Handle.CallCount("users.v1.UserService/Missing"));
    }

    private static FaultRule Parse(string spec)
    {
        Assert.True(FaultRuleParser.TryParse(spec, out var rule, out var error), error);
        return rule;
    }

    private static async Task<List<StatusCode>> OutcomesAsync(TestBackend backend, int calls)
    {
        var outcomes = new List<StatusCode>(calls);
        for (var i = 0; i < calls; i++)
        {
            using var call = backend.Users.GetUserAsync(Ada);
            try
            {
                await call.ResponseAsync.DefaultTimeout();
                outcomes.Add(StatusCode.OK);
            }
            catch (RpcException ex)
            {
                outcomes.Add(ex.StatusCode);
            }
        }

        return outcomes;
    }
}
