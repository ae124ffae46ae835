using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using MeshProxy.SampleBackends;
using MeshProxy.Samples.Users.V1;
using MeshProxy.TestSupport;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace MeshProxy.FunctionalTests.SampleBackends;

public sealed class UserServiceTests(ITestOutputHelper output)
{
    private static readonly DateTimeOffset Start = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    [Fact]
    public async Task GetUser_SeededUser_ReturnsItWithVersionHeader()
    {
        await using var backend = await TestBackend.StartAsync(output, new SampleBackendOptions { Version = "v7" });

        using var call = backend.Users.GetUserAsync(new GetUserRequest { UserId = "u-1001" });
        var user = await call.ResponseAsync.DefaultTimeout();
        var headers = await call.ResponseHeadersAsync.DefaultTimeout();

        Assert.Equal("u-1001", user.UserId);
        Assert.Equal("ada@example.com", user.Email);
        Assert.Equal(Plan.Enterprise, user.Plan);
        Assert.NotNull(user.CreateTime);
        Assert.Equal("v7", headers.GetValue("x-backend-version"));
    }

    [Fact]
    public async Task GetUser_Unknown_NotFoundWithVersionHeader()
    {
        await using var backend = await TestBackend.StartAsync(output, new SampleBackendOptions { Version = "v3" });

        using var call = backend.Users.GetUserAsync(new GetUserRequest { UserId = "u-nobody" });
        var ex = await GrpcAssert.FailsWith(StatusCode.NotFound, () => call.ResponseAsync);

        Assert.Contains("u-nobody", ex.Status.Detail, StringComparison.Ordinal);
        Assert.Equal("v3", ex.Trailers.GetValue("x-backend-version"));
    }

    [Fact]
    public async Task GetUser_EmptyId_InvalidArgument()
    {
        await using var backend = await TestBackend.StartAsync(output);

        await GrpcAssert.FailsWith(StatusCode.InvalidArgument, () => backend.Users.GetUserAsync(new GetUserRequest()).ResponseAsync);
    }

    [Fact]
    public async Task CreateUser_WithoutId_AssignsIdAndServerTimes()
    {
        var clock = new FakeTimeProvider(Start);
        await using var backend = await TestBackend.StartAsync(output, new SampleBackendOptions { TimeProvider = clock });
        clock.Advance(TimeSpan.FromMinutes(5));

        var created = await backend.Users.CreateUserAsync(new CreateUserRequest
        {
            User = new User { DisplayName = "Barbara Liskov", Email = "barbara@example.com", Plan = Plan.Pro, CreateTime = Timestamp.FromDateTimeOffset(Start.AddYears(-9)) },
        }).ResponseAsync.DefaultTimeout();
        var fetched = await backend.Users.GetUserAsync(new GetUserRequest { UserId = created.UserId }).ResponseAsync.DefaultTimeout();

        Assert.False(string.IsNullOrEmpty(created.UserId));
        Assert.Equal(Start.AddMinutes(5), created.CreateTime.ToDateTimeOffset());
        Assert.Equal(created.CreateTime, created.UpdateTime);
        Assert.Equal(created, fetched);
    }

    [Fact]
    public async Task CreateUser_TakenId_AlreadyExists()
    {
        await using var backend = await TestBackend.StartAsync(output);

        await GrpcAssert.FailsWith(StatusCode.AlreadyExists, () => backend.Users.CreateUserAsync(new CreateUserRequest
        {
            User = new User { UserId = "u-1002", Email = "other@example.com" },
        }).ResponseAsync);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not-an-email")]
    public async Task CreateUser_WithoutValidEmail_InvalidArgument(string email)
    {
        await using var backend = await TestBackend.StartAsync(output);

        var ex = await GrpcAssert.FailsWith(StatusCode.InvalidArgument, () => backend.Users.CreateUserAsync(new CreateUserRequest
        {
            User = new User { UserId = "u-new", Email = email },
        }).ResponseAsync);
        Assert.Contains("email", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpdateUser_MaskNamesOneField_OnlyThatFieldChanges()
    {
        var clock = new FakeTimeProvider(Start);
        await using var backend = await TestBackend.StartAsync(output, new SampleBackendOptions { TimeProvider = clock });
        var before = await GetAsync(backend, "u-1003");
        clock.Advance(TimeSpan.FromHours(1));

        var patch = new User { UserId = "u-1003", DisplayName = "Alan M. Turing", Email = "changed@example.com", Plan = Plan.Enterprise, StorageBytes = 99 };
        var updated = await backend.Users.UpdateUserAsync(new UpdateUserRequest
        {
            User = patch,
            UpdateMask = new FieldMask { Paths = { "display_name" } },
        }).ResponseAsync.DefaultTimeout();

        var expected = before.Clone();
        expected.DisplayName = "Alan M. Turing";
        expected.UpdateTime = Timestamp.FromDateTimeOffset(Start.AddHours(1));
        Assert.Equal(expected, updated);
        Assert.Equal(expected, await GetAsync(backend, "u-1003"));
    }

    [Fact]
    public async Task UpdateUser_MaskNamesFieldLeftEmpty_ClearsIt()
    {
        await using var backend = await TestBackend.StartAsync(output);
        Assert.NotEmpty((await GetAsync(backend, "u-1002")).Labels);

        var updated = await backend.Users.UpdateUserAsync(new UpdateUserRequest
        {
            User = new User { UserId = "u-1002" },
            UpdateMask = new FieldMask { Paths = { "labels", "storage_bytes", "plan" } },
        }).ResponseAsync.DefaultTimeout();

        Assert.Empty(updated.Labels);
        Assert.Equal(0, updated.StorageBytes);
        Assert.Equal(Plan.Unspecified, updated.Plan);
        Assert.Equal("Grace Hopper", updated.DisplayName);
    }

    [Fact]
    public async Task UpdateUser_EmptyMask_UpdatesEveryPopulatedField()
    {
        await using var backend = await TestBackend.StartAsync(output);
        var before = await GetAsync(backend, "u-1004");

        var updated = await backend.Users.UpdateUserAsync(new UpdateUserRequest
        {
            User = new User { UserId = "u-1004", Plan = Plan.Free, Labels = { ["team"] = "orbits" } },
        }).ResponseAsync.DefaultTimeout();

        Assert.Equal(Plan.Free, updated.Plan);
        Assert.Equal("orbits", updated.Labels["team"]);
        Assert.Equal(before.DisplayName, updated.DisplayName);
        Assert.Equal(before.Email, updated.Email);
        Assert.Equal(before.StorageBytes, updated.StorageBytes);
        Assert.Equal(before.CreateTime, updated.CreateTime);
    }

    [Theory]
    [InlineData("nickname", "unknown path")]
    [InlineData("user_id", "immutable")]
    [InlineData("create_time", "output only")]
    public async Task UpdateUser_BadMaskPath_InvalidArgumentAndNothingChanges(string path, string reason)
    {
        await using var backend = await TestBackend.StartAsync(output);
        var before = await GetAsync(backend, "u-1001");

        var ex = await GrpcAssert.FailsWith(StatusCode.InvalidArgument, () => backend.Users.UpdateUserAsync(new UpdateUserRequest
        {
            User = new User { UserId = "u-1001", DisplayName = "Changed" },
            UpdateMask = new FieldMask { Paths = { "display_name", path } },
        }).ResponseAsync);

        Assert.Contains(reason, ex.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(before, await GetAsync(backend, "u-1001"));
    }

    [Fact]
    public async Task UpdateUser_ClearingEmail_InvalidArgument()
    {
        await using var backend = await TestBackend.StartAsync(output);

        await GrpcAssert.FailsWith(StatusCode.InvalidArgument, () => backend.Users.UpdateUserAsync(new UpdateUserRequest
        {
            User = new User { UserId = "u-1001" },
            UpdateMask = new FieldMask { Paths = { "email" } },
        }).ResponseAsync);
    }

    [Fact]
    public async Task UpdateUser_Unknown_NotFound()
    {
        await using var backend = await TestBackend.StartAsync(output);

        await GrpcAssert.FailsWith(StatusCode.NotFound, () => backend.Users.UpdateUserAsync(new UpdateUserRequest
        {
            User = new User { UserId = "u-0", DisplayName = "x" },
        }).ResponseAsync);
    }

    [Fact]
    public async Task DeleteUser_Existing_GoneAfterwardsAndSecondDeleteNotFound()
    {
        await using var backend = await TestBackend.StartAsync(output);

        await backend.Users.DeleteUserAsync(new DeleteUserRequest { UserId = "u-1005" }).ResponseAsync.DefaultTimeout();

        await GrpcAssert.FailsWith(StatusCode.NotFound, () => backend.Users.GetUserAsync(new GetUserRequest { UserId = "u-1005" }).ResponseAsync);
        await GrpcAssert.FailsWith(StatusCode.NotFound, () => backend.Users.DeleteUserAsync(new DeleteUserRequest { UserId = "u-1005" }).ResponseAsync);
    }

    [Fact]
    public async Task ListUsers_NoFilter_StreamsEveryUserInIdOrder()
    {
        await using var backend = await TestBackend.StartAsync(output);
        await backend.Users.CreateUserAsync(new CreateUserRequest { User = new User { UserId = "u-0500", Email = "a@example.com" } }).ResponseAsync.DefaultTimeout();

        using var call = backend.Users.ListUsers(new ListUsersRequest());
        var ids = (await GrpcAssert.ReadAllAsync(call.ResponseStream)).Select(u => u.UserId).ToList();

        Assert.Equal(6, ids.Count);
        Assert.Equal("u-0500", ids[0]);
        Assert.Equal(ids.Order(StringComparer.Ordinal), ids);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task ListUsers_PlanAndPageSize_FiltersThenLimits()
    {
        await using var backend = await TestBackend.StartAsync(output);

        using var all = backend.Users.ListUsers(new ListUsersRequest { Plan = Plan.Pro });
        var pro = await GrpcAssert.ReadAllAsync(all.ResponseStream);
        using var one = backend.Users.ListUsers(new ListUsersRequest { Plan = Plan.Pro, PageSize = 1 });
        var first = await GrpcAssert.ReadAllAsync(one.ResponseStream);

        Assert.Equal(["u-1002", "u-1004"], pro.Select(u => u.UserId));
        Assert.Equal(["u-1002"], first.Select(u => u.UserId));
    }

    [Fact]
    public async Task ListUsers_NegativePageSize_InvalidArgument()
    {
        await using var backend = await TestBackend.StartAsync(output);

        using var call = backend.Users.ListUsers(new ListUsersRequest { PageSize = -1 });
        await GrpcAssert.FailsWith(StatusCode.InvalidArgument, () => call.ResponseStream.MoveNext());
    }

    [Fact]
    public async Task SyncUsers_EachChange_AnsweredInOrder()
    {
        var clock = new FakeTimeProvider(Start);
        await using var backend = await TestBackend.StartAsync(output, new SampleBackendOptions { TimeProvider = clock });
        var original = await GetAsync(backend, "u-1001");
        clock.Advance(TimeSpan.FromDays(1));

        using var call = backend.Users.SyncUsers();
        async Task<SyncUsersResponse> ExchangeAsync(SyncUsersRequest change)
        {
            await call.RequestStream.WriteAsync(change).DefaultTimeout();
            Assert.True(await call.ResponseStream.MoveNext().DefaultTimeout());
            return call.ResponseStream.Current;
        }

        var replaced = await ExchangeAsync(new SyncUsersRequest { Upsert = new User { UserId = "u-1001", Email = "ada@lovelace.example", DisplayName = "Ada" } });
        var added = await ExchangeAsync(new SyncUsersRequest { Upsert = new User { UserId = "u-9000", Email = "new@example.com" } });
        var deleted = await ExchangeAsync(new SyncUsersRequest { DeleteUserId = "u-1003" });
        var missing = await ExchangeAsync(new SyncUsersRequest { DeleteUserId = "u-1003" });
        await call.RequestStream.CompleteAsync().DefaultTimeout();
        Assert.False(await call.ResponseStream.MoveNext().DefaultTimeout());

        Assert.Equal("ada@lovelace.example", replaced.User.Email);
        Assert.Equal(original.CreateTime, replaced.User.CreateTime);
        Assert.Equal(Start.AddDays(1), replaced.User.UpdateTime.ToDateTimeOffset());
        Assert.Equal(Plan.Unspecified, replaced.User.Plan);
        Assert.Equal("u-9000", added.UserId);
        Assert.Equal(added.User.CreateTime, added.User.UpdateTime);
        Assert.True(deleted.Deleted);
        Assert.Equal("u-1003", deleted.UserId);
        Assert.False(missing.Deleted);
        Assert.Equal(added.User, await GetAsync(backend, "u-9000"));
    }

    [Fact]
    public async Task SyncUsers_InvalidChange_FailsNamingItAfterEarlierAnswers()
    {
        await using var backend = await TestBackend.StartAsync(output);

        using var call = backend.Users.SyncUsers();
        await call.RequestStream.WriteAsync(new SyncUsersRequest { DeleteUserId = "u-1001" }).DefaultTimeout();
        await call.RequestStream.WriteAsync(new SyncUsersRequest()).DefaultTimeout();
        await call.RequestStream.CompleteAsync().DefaultTimeout();

        Assert.True(await call.ResponseStream.MoveNext().DefaultTimeout());
        Assert.True(call.ResponseStream.Current.Deleted);
        var ex = await GrpcAssert.FailsWith(StatusCode.InvalidArgument, () => call.ResponseStream.MoveNext());
        Assert.StartsWith("change 1:", ex.Status.Detail, StringComparison.Ordinal);
    }

    private static Task<User> GetAsync(TestBackend backend, string id) =>
        backend.Users.GetUserAsync(new GetUserRequest { UserId = id }).ResponseAsync.DefaultTimeout();
}
