using System.Diagnostics;
using MeshProxy.Observability.Tracing;

namespace MeshProxy.Tests.Observability.Tracing;

public sealed class NewTraceSamplerTests
{
    [Fact]
    public void NotStarted_OffAndSamplesNothing()
    {
        var sampler = new NewTraceSampler(new Random(1));

        Assert.False(sampler.IsOn);
        Assert.DoesNotContain(true, Enumerable.Range(0, 1000).Select(_ => sampler.Samples()));
    }

    [Theory]
    [InlineData(0.0, 0)]
    [InlineData(1.0, 10_000)]
    [InlineData(2.0, 10_000)]
    public void Started_EdgeRates_NoneOrAll(double rate, int expected)
    {
        var sampler = new NewTraceSampler(new Random(1));
        sampler.Start(rate);

        Assert.True(sampler.IsOn);
        Assert.Equal(expected, Enumerable.Range(0, 10_000).Count(_ => sampler.Samples()));
    }

    [Fact]
    public void Started_OnePercent_SamplesAboutOneInAHundred()
    {
        var sampler = new NewTraceSampler(new Random(7));
        sampler.Start(0.01);

        var sampled = Enumerable.Range(0, 100_000).Count(_ => sampler.Samples());

        // Binomial(100,000, 0.01): mean 1,000, standard deviation 31.
        Assert.InRange(sampled, 850, 1150);
    }

    [Fact]
    public void NewUnsampled_AValidTraceparentOfANewUnsampledTraceEachTime()
    {
        var first = TraceHeaders.NewUnsampled();
        var second = TraceHeaders.NewUnsampled();

        Assert.Matches("^00-[0-9a-f]{32}-[0-9a-f]{16}-00$", first);
        Assert.True(ActivityContext.TryParse(first, null, isRemote: true, out var context));
        Assert.Equal(ActivityTraceFlags.None, context.TraceFlags);
        Assert.Equal(first[3..35], TraceHeaders.TraceIdOf(first));
        Assert.NotEqual(first[3..35], second[3..35]);
        Assert.NotEqual(first[36..52], second[36..52]);
    }
}
