using MeshProxy.Configuration;

namespace MeshProxy.Tests.Configuration;

public sealed class ReflectionConfigTests
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
    public void Load_NoReflectionSection_OffWithoutExtraSets()
    {
        var config = ConfigAssert.LoadValid(Rest);

        Assert.Equal(ReflectionConfig.Default, config.Reflection);
        Assert.False(config.Reflection.Enabled);
    }

    [Fact]
    public void Load_ReflectionSection_ReadsSwitchAndDescriptorSets()
    {
        var config = ConfigAssert.LoadValid("reflection: { enabled: true, descriptorSets: [builtin, extra.pb] }\n" + Rest);

        Assert.True(config.Reflection.Enabled);
        Assert.Equal(["builtin", "extra.pb"], config.Reflection.DescriptorSets.AsImmutableArray());
    }

    [Fact]
    public void Load_EnabledOnly_NoExtraSets()
    {
        var config = ConfigAssert.LoadValid("reflection: { enabled: true }\n" + Rest);

        Assert.Equal(new ReflectionConfig { Enabled = true }, config.Reflection);
    }

    [Theory]
    [InlineData("reflection: { enabled: maybe }", "reflection.enabled")]
    [InlineData("reflection: { on: true }", "reflection.on")]
    [InlineData("reflection: { descriptorSets: [ { a: 1 } ] }", "reflection.descriptorSets[0]")]
    [InlineData("reflection: true", "reflection")]
    public void Load_BadReflection_ErrorNamesThePath(string reflection, string path)
    {
        var errors = ConfigAssert.Errors(reflection + "\n" + Rest);

        Assert.Contains(errors, e => e.Path == path);
    }

    [Fact]
    public void DemoConfig_TurnsReflectionOn()
    {
        var demo = ConfigAssert.LoadValid(MeshProxy.Cli.DemoCommand.ReadEmbeddedConfig());

        Assert.True(demo.Reflection.Enabled);
    }
}
