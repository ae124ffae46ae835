using Grpc.Core;
using MeshProxy.SampleBackends.CommandLine;
using MeshProxy.SampleBackends.Faults;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace MeshProxy.FunctionalTests.SampleBackends;

public sealed class CommandLineTests
{
    [Fact]
    public void Parse_NoArguments_Defaults()
    {
        var result = SampleBackendCommandLine.Parse([]);

        Assert.Empty(result.Errors);
        Assert.Equal((50051, "v1", "127.0.0.1"), (result.Options.Port, result.Options.Version, result.Options.Address));
        Assert.Empty(result.Options.Faults);
        Assert.Null(result.Options.Seed);
    }

    [Fact]
    public void Parse_EveryFlag_FillsOptions()
    {
        var result = SampleBackendCommandLine.Parse(
        [
            "--port", "0", "--version=v2", "--address", "::1", "--seed", "7",
            "--fault", "/users.v1.UserService/GetUser:status=UNAVAILABLE,rate=0.25",
            "--fault", "payments.v1.PaymentService/*:first=3,status=9,latency=1.5s",
            "--health", "inventory.v1.InventoryService=not-serving",
        ]);

        Assert.Empty(result.Errors);
        var options = result.Options;
        Assert.Equal((0, "v2", "::1", 7), (options.Port, options.Version, options.Address, options.Seed));
        Assert.Equal(
            new FaultRule { Method = "/users.v1.UserService/GetUser", Status = StatusCode.Unavailable, Rate = 0.25 },
            options.Faults[0]);
        Assert.Equal(
            new FaultRule { Method = "/payments.v1.PaymentService/*", Status = StatusCode.FailedPrecondition, First = 3, Latency = TimeSpan.FromMilliseconds(1500) },
            options.Faults[1]);
        Assert.Equal(ServingStatus.NotServing, options.Health["inventory.v1.InventoryService"]);
        Assert.Single(options.Health);
    }

    [Fact]
    public void Parse_HealthWithoutService_AppliesToServerAndEveryService()
    {
        var result = SampleBackendCommandLine.Parse(["--health", "not-serving"]);

        Assert.Empty(result.Errors);
        Assert.Equal(4, result.Options.Health.Count);
        Assert.All(result.Options.Health.Values, s => Assert.Equal(ServingStatus.NotServing, s));
        Assert.True(result.Options.Health.ContainsKey(""));
    }

    [Fact]
    public void Parse_BadArguments_ReportsEveryError()
    {
        var result = SampleBackendCommandLine.Parse(["--port", "65536", "--bogus", "--health", "sleepy", "--fault", "*:rate=2,status=UNAVAILABLE", "--version"]);

        Assert.Equal(5, result.Errors.Count);
        Assert.Contains(result.Errors, e => e.Contains("--port", StringComparison.Ordinal));
        Assert.Contains(result.Errors, e => e.Contains("--bogus", StringComparison.Ordinal));
        Assert.Contains(result.Errors, e => e.Contains("sleepy", StringComparison.Ordinal));
        Assert.Contains(result.Errors, e => e.Contains("rate", StringComparison.Ordinal));
        Assert.Contains(result.Errors, e => e.Contains("--version needs a value", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("users.v1.UserService/GetUser", "must read METHOD")]
    [InlineData("GetUser:status=UNAVAILABLE", "must be /pkg.Service/Method")]
    [InlineData("*:status=OK", "other than OK")]
    [InlineData("*:status=17", "other than OK")]
    [InlineData("*:status=NOPE", "not a gRPC status")]
    [InlineData("*:rate=0.5", "does nothing")]
    [InlineData("*:status=ABORTED,rate=0.5,first=2", "cannot be combined")]
    [InlineData("*:status=ABORTED,first=-1", "first")]
    [InlineData("*:status=ABORTED,after-messages=x", "after-messages")]
    [InlineData("*:latency=fast", "latency")]
    [InlineData("*:status=ABORTED,color=red", "unknown key 'color'")]
    public void FaultRuleParser_Malformed_ExplainsWhy(string spec, string expected)
    {
        Assert.False(FaultRuleParser.TryParse(spec, out _, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("*:status=DEADLINE_EXCEEDED", "*", StatusCode.DeadlineExceeded)]
    [InlineData("*:status=deadlineexceeded", "*", StatusCode.DeadlineExceeded)]
    [InlineData("pkg.Svc/*:status=16", "/pkg.Svc/*", StatusCode.Unauthenticated)]
    public void FaultRuleParser_StatusAndMethodForms_Normalised(string spec, string method, StatusCode status)
    {
        Assert.True(FaultRuleParser.TryParse(spec, out var rule, out var error), error);
        Assert.Equal((method, status), (rule.Method, rule.Status));
    }

    [Fact]
    public void FaultRuleParser_MessageWithCommas_TakesTheRest()
    {
        Assert.True(FaultRuleParser.TryParse("*:status=UNAVAILABLE,message=down, for now,after-messages=2", out var rule, out var error), error);
        Assert.Equal("down, for now,after-messages=2", rule.Message);
        Assert.Equal(0, rule.AfterMessages);
    }
}
