using Google.Protobuf.WellKnownTypes;
using MeshProxy.Grpc;
using MeshProxy.Samples.Users.V1;

namespace MeshProxy.SampleBackends.Users;

/// <summary>The methods of users.v1.UserService, for the server here and for clients in tests.</summary>
internal static class UserServiceMethods
{
    public const string ServiceName = "users.v1.UserService";

    public static readonly Method<GetUserRequest, User> GetUser =
        new(MethodType.Unary, ServiceName, "GetUser", GetUserRequest.Parser, User.Parser);

    public static readonly Method<CreateUserRequest, User> CreateUser =
        new(MethodType.Unary, ServiceName, "CreateUser", CreateUserRequest.Parser, User.Parser);

    public static readonly Method<UpdateUserRequest, User> UpdateUser =
        new(MethodType.Unary, ServiceName, "UpdateUser", UpdateUserRequest.Parser, User.Parser);

    public static readonly Method<DeleteUserRequest, Empty> DeleteUser =
        new(MethodType.Unary, ServiceName, "DeleteUser", DeleteUserRequest.Parser, Empty.Parser);

    public static readonly Method<ListUsersRequest, User> ListUsers =
        new(MethodType.ServerStreaming, ServiceName, "ListUsers", ListUsersRequest.Parser, User.Parser);

    public static readonly Method<SyncUsersRequest, SyncUsersResponse> SyncUsers =
        new(MethodType.DuplexStreaming, ServiceName, "SyncUsers", SyncUsersRequest.Parser, SyncUsersResponse.Parser);
}
