using MeshProxy.Cli.Call;
using MeshProxy.Transcoding.Descriptors;

namespace MeshProxy.Tests.Cli.Call;

public sealed class MethodResolverTests
{
    private static readonly DescriptorPool Pool = DescriptorPool.LoadFile(Path.Combine(AppContext.BaseDirectory, "descriptor-set.pb"));

    [Theory]
    [InlineData("users.v1.UserService/GetUser")]
    [InlineData("/users.v1.UserService/GetUser")]
    [InlineData("users.v1.UserService.GetUser")]
    public void Resolve_EverySpelling_FindsTheMethod(string text)
    {
        Assert.True(MethodResolver.TryResolve(Pool, text, out var method, out _));
        Assert.Equal("users.v1.UserService.GetUser", method.FullName);
        Assert.False(method.IsServerStreaming);
    }

    [Fact]
    public void Resolve_TypoInMethod_SuggestsTheClosestFirst()
    {
        Assert.False(MethodResolver.TryResolve(Pool, "payments.v1.PaymentService/ChargeCrad", out _, out var error));
        Assert.StartsWith("service 'payments.v1.PaymentService' has no method 'ChargeCrad'; did you mean: payments.v1.PaymentService/ChargeCard", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_MethodUnderWrongService_SuggestsWhereItIs()
    {
        Assert.False(MethodResolver.TryResolve(Pool, "orders.v1.OrderService/CheckStock", out _, out var error));
        Assert.Contains("unknown service 'orders.v1.OrderService'", error, StringComparison.Ordinal);
        Assert.Contains("inventory.v1.InventoryService/CheckStock", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("GetUser")]
    [InlineData("/")]
    [InlineData("a/b/c")]
    [InlineData("users.v1.UserService/")]
    public void Resolve_NotAMethodName_SaysHowToWriteOne(string text)
    {
        Assert.False(MethodResolver.TryResolve(Pool, text, out _, out var error));
        Assert.EndsWith("write pkg.Service/Method", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("kitten", "sitting", 3)]
    [InlineData("GetUser", "getuser", 0)]
    [InlineData("", "abc", 3)]
    public void Distance_IsCaseInsensitiveLevenshtein(string a, string b, int expected) =>
        Assert.Equal(expected, MethodResolver.Distance(a, b));
}
