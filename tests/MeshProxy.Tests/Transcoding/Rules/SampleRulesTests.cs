using MeshProxy.Samples.Users.V1;
using MeshProxy.Transcoding.Rules;

namespace MeshProxy.Tests.Transcoding.Rules;

public sealed class SampleRulesTests
{
    [Fact]
    public void Build_SampleServices_OneBindingPerRuleWithoutErrors()
    {
        var table = RuleTestData.Samples;
        var getUser = Assert.Single(table.Bindings, b => b.MethodName == "GetUser");
        Assert.Equal("/users.v1.UserService/GetUser", getUser.GrpcPath);
        Assert.Equal("GET", getUser.HttpMethod);
        Assert.False(getUser.HasBody);
        var create = Assert.Single(table.Bindings, b => b.MethodName == "CreateUser");
        Assert.Equal("user", Assert.Single(create.BodyField!).Name);
        Assert.True(Assert.Single(table.Bindings, b => b.MethodName == "ListUsers").ServerStreaming);
    }

    [Fact]
    public void Match_GetUser_CapturesDecodedVariable()
    {
        var match = RuleTestData.Samples.Match("GET", "/v1/users/a%20b");
        Assert.Equal(RuleMatchKind.Matched, match.Kind);
        Assert.Equal("GetUser", match.Binding!.MethodName);
        var variable = Assert.Single(match.Variables);
        Assert.Equal("user_id", variable.FieldPathText);
        Assert.Equal("a b", variable.Value);
    }

    [Fact]
    public void Match_DeclaredVerb_BeatsVariableSegment()
    {
        var match = RuleTestData.Samples.Match("POST", "/v1/users:sync");
        Assert.Equal("SyncUsers", match.Binding!.MethodName);
    }

    [Fact]
    public void Match_UnknownPathAndWrongMethod_NotFoundAndMethodNotAllowed()
    {
        Assert.Equal(RuleMatchKind.NotFound, RuleTestData.Samples.Match("GET", "/v2/users/1").Kind);
        var wrong = RuleTestData.Samples.Match("PUT", "/v1/users/1");
        Assert.Equal(RuleMatchKind.MethodNotAllowed, wrong.Kind);
        Assert.Equal("DELETE, GET, PATCH", wrong.Allow);
    }

    [Fact]
    public void Build_BodyFieldWithPathVariable_PathOverlaysBodyAndMaskIsFilled()
    {
        var (message, error) = RuleTestData.Request<UpdateUserRequest>(
            RuleTestData.Samples, "PATCH", "/v1/users/u1", "{\"userId\": \"other\", \"displayName\": \"Ann\"}");
        Assert.Null(error);
        Assert.Equal("u1", message!.User.UserId);
        Assert.Equal("Ann", message.User.DisplayName);
        Assert.Equal(["user_id", "display_name"], message.UpdateMask.Paths);
    }

    [Fact]
    public void Build_GetWithQuery_FillsUnboundFields()
    {
        var (message, error) = RuleTestData.Request<ListUsersRequest>(RuleTestData.Samples, "GET", "/v1/users?page_size=5&plan=3");
        Assert.Null(error);
        Assert.Equal(5, message!.PageSize);
        Assert.Equal(Plan.Enterprise, message.Plan);
    }
}
