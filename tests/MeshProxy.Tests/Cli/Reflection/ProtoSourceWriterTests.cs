using Google.Protobuf.Reflection;
using MeshProxy.Cli.Reflection;
using MeshProxy.Samples.Users.V1;
using MeshProxy.Testing.V1;

namespace MeshProxy.Tests.Cli.Reflection;

public sealed class ProtoSourceWriterTests
{
    [Fact]
    public void Describe_Service_ListsEveryRpcWithStreamingMarks()
    {
        var text = ProtoSourceWriter.Describe(UserService.Descriptor);

        Assert.Equal(
            """
            users.v1.UserService is a service:
            service UserService {
              rpc GetUser ( .users.v1.GetUserRequest ) returns ( .users.v1.User );
              rpc CreateUser ( .users.v1.CreateUserRequest ) returns ( .users.v1.User );
              rpc UpdateUser ( .users.v1.UpdateUserRequest ) returns ( .users.v1.User );
              rpc DeleteUser ( .users.v1.DeleteUserRequest ) returns ( .google.protobuf.Empty );
              rpc ListUsers ( .users.v1.ListUsersRequest ) returns ( stream .users.v1.User );
              rpc SyncUsers ( stream .users.v1.SyncUsersRequest ) returns ( stream .users.v1.SyncUsersResponse );
            }

            """.ReplaceLineEndings(),
            text);
    }

    [Fact]
    public void Describe_Message_WritesMapsEnumsAndOneofs()
    {
        Assert.Equal(
            """
            users.v1.User is a message:
            message User {
              string user_id = 1;
              string display_name = 2;
              string email = 3;
              .users.v1.Plan plan = 4;
              .google.protobuf.Timestamp create_time = 5;
              .google.protobuf.Timestamp update_time = 6;
              map<string, string> labels = 7;
              int64 storage_bytes = 8;
            }

            """.ReplaceLineEndings(),
            ProtoSourceWriter.Describe(User.Descriptor));
        Assert.Equal(
            """
            users.v1.SyncUsersRequest is a message:
            message SyncUsersRequest {
              oneof change {
                .users.v1.User upsert = 1;
                string delete_user_id = 2;
              }
            }

            """.ReplaceLineEndings(),
            ProtoSourceWriter.Describe(SyncUsersRequest.Descriptor));
    }

    [Fact]
    public void Describe_Proto3OptionalAndNestedTypes_AreWrittenAsInTheSource()
    {
        var text = ProtoSourceWriter.Describe(Everything.Descriptor)!;

        Assert.StartsWith("meshproxy.testing.v1.Everything is a message:", text, StringComparison.Ordinal);
        Assert.Contains("  optional int32 p_int32 = 66;", text, StringComparison.Ordinal);
        Assert.Contains("  repeated sfixed64 r_sfixed64 = 30;", text, StringComparison.Ordinal);
        Assert.Contains("  message Nested {", text, StringComparison.Ordinal);
        Assert.Contains("  enum Level {", text, StringComparison.Ordinal);
        // proto3 optional is a synthetic oneof: it must not also appear as a oneof block.
        Assert.DoesNotContain("oneof _p_int32", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Describe_MethodAndEnum_HaveTheirOwnKinds()
    {
        Assert.Equal(
            "users.v1.UserService.ListUsers is a method:\nrpc ListUsers ( .users.v1.ListUsersRequest ) returns ( stream .users.v1.User );\n".ReplaceLineEndings(),
            ProtoSourceWriter.Describe(UserService.Descriptor.FindMethodByName("ListUsers")));
        Assert.StartsWith("users.v1.Plan is an enum:\nenum Plan {\n  PLAN_UNSPECIFIED = 0;".ReplaceLineEndings(), ProtoSourceWriter.Describe(User.Descriptor.File.EnumTypes.Single(e => e.Name == "Plan")), StringComparison.Ordinal);
    }

    [Fact]
    public void Describe_Field_IsNotDescribable() =>
        Assert.Null(ProtoSourceWriter.Describe(User.Descriptor.FindFieldByName("email")));
}
