using MeshProxy.Configuration;
using MeshProxy.Configuration.Validation;

namespace MeshProxy.Tests.Configuration;

public sealed class DrainConfigTests
{
    private const string Rest = """
        routes:
          - name: r1
            match: { prefix: / }
            cluster: c1
        clusters:
          c1:
            destinations: [ { address: "http://127.0.0.1:50051" } ]
        """;

    [Fact]
    public void Load_NoDrainSection_Defaults5sAnd25s()
    {
        var config = ConfigAssert.LoadValid(Rest);

        Assert.Equal(TimeSpan.FromSeconds(5), config.Drain.PropagationDelay);
        Assert.Equal(TimeSpan.FromSeconds(25), config.Drain.Deadline);
    }

    [Fact]
    public void Load_DrainSection_ReadsBothDurations()
    {
        var config = ConfigAssert.LoadValid("drain: { propagationDelay: 1500ms, deadline: 2m }\n" + Rest);

        Assert.Equal(new DrainConfig(TimeSpan.FromMilliseconds(1500), TimeSpan.FromMinutes(2)), config.Drain);
    }

    [Fact]
    public void Load_OnlyOneKey_TheOtherKeepsItsDefault()
    {
        var config = ConfigAssert.LoadValid("drain: { deadline: 40s }\n" + Rest);

        Assert.Equal(DrainConfig.Default.PropagationDelay, config.Drain.PropagationDelay);
        Assert.Equal(TimeSpan.FromSeconds(40), config.Drain.Deadline);
    }

    [Theory]
    [InlineData("drain: { deadline: 0s }", "drain.deadline")]
    [InlineData("drain: { propagationDelay: soon }", "drain.propagationDelay")]
    [InlineData("drain: { grace: 5s }", "drain.grace")]
    [InlineData("drain: 5s", "drain")]
    public void Load_BadDrain_ErrorNamesThePath(string drain, string path)
    {
        var errors = ConfigAssert.Errors(drain + "\n" + Rest);

        Assert.Contains(errors, e => e.Path == path);
    }

    [Fact]
    public void Validate_NegativeDelayBuiltInCode_Rejected()
    {
        var config = new MeshProxyConfig(null, ListenersConfig.Default, EquatableArray<RouteConfig>.Empty, EquatableArray<ClusterConfig>.Empty)
        {
            Drain = new DrainConfig(TimeSpan.FromSeconds(-1), TimeSpan.FromSeconds(1)),
        };
        var errors = new ConfigErrors();

        new DrainValidator().Validate(config, errors);

        Assert.Equal(["drain.propagationDelay"], errors.All.Select(e => e.Path));
    }
}
