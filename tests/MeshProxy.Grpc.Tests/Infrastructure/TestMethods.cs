using MeshProxy.Samples.Payments.V1;
using MeshProxy.Samples.Users.V1;

namespace MeshProxy.Grpc.Tests.Infrastructure;

/// <summary>Methods of the sample protos, which our handlers (and the grpc-js peer's) implement for the tests.</summary>
public static class TestMethods
{
    public const string UserService = "users.v1.UserService";
    public const string PaymentService = "payments.v1.PaymentService";

    public static readonly Method<GetUserRequest, User> GetUser = new(MethodType.Unary, UserService, "GetUser", GetUserRequest.Parser, User.Parser);
    public static readonly Method<CreateUserRequest, User> CreateUser = new(MethodType.Unary, UserService, "CreateUser", CreateUserRequest.Parser, User.Parser);
    public static readonly Method<ListUsersRequest, User> ListUsers = new(MethodType.ServerStreaming, UserService, "ListUsers", ListUsersRequest.Parser, User.Parser);
    public static readonly Method<SyncUsersRequest, SyncUsersResponse> SyncUsers = new(MethodType.DuplexStreaming, UserService, "SyncUsers", SyncUsersRequest.Parser, SyncUsersResponse.Parser);
    public static readonly Method<ChargeCardRequest, BatchChargeSummary> BatchCharge = new(MethodType.ClientStreaming, PaymentService, "BatchCharge", ChargeCardRequest.Parser, BatchChargeSummary.Parser);

    /// <summary>A method no server maps.</summary>
    public static readonly Method<GetUserRequest, User> Missing = new(MethodType.Unary, UserService, "NoSuchMethod", GetUserRequest.Parser, User.Parser);
}
