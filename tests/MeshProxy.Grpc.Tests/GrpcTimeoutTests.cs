using MeshProxy.Grpc;

namespace MeshProxy.Grpc.Tests;

public class GrpcTimeoutTests
{
    [Theory]
    [InlineData("1H", 36_000_000_000L)]
    [InlineData("2M", 1_200_000_000L)]
    [InlineData("3S", 30_000_000L)]
    [InlineData("250m", 2_500_000L)]
    [InlineData("7u", 70L)]
    [InlineData("100n", 1L)]
    [InlineData("1n", 1L)]
    [InlineData("99999999S", 999_999_990_000_000L)]
    public void TryParse_EveryUnit_GivesTicks(string value, long ticks)
    {
        Assert.True(GrpcTimeout.TryParse(value, out var timeout));
        Assert.Equal(ticks, timeout.Ticks);
    }

    [Theory]
    [InlineData("")]
    [InlineData("S")]
    [InlineData("123456789S")]
    [InlineData("10s")]
    [InlineData("-1S")]
    [InlineData("1.5S")]
    [InlineData(" 1S")]
    public void TryParse_OutsideGrammar_IsRefused(string value) => Assert.False(GrpcTimeout.TryParse(value, out _));

    [Theory]
    [InlineData(0.001, "1000000n")]
    [InlineData(1.0, "1000000u")]
    [InlineData(150.0, "150000m")]
    [InlineData(200_000.0, "200000S")]
    public void Format_PicksFinestUnitThatFits(double seconds, string expected) =>
        Assert.Equal(expected, GrpcTimeout.Format(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public void Format_NonPositive_IsAlreadyExpired() => Assert.Equal("1n", GrpcTimeout.Format(TimeSpan.Zero));

    [Fact]
    public void Format_ThenParse_NeverShortensTheDeadline()
    {
        var random = new Random(7);
        for (var i = 0; i < 10_000; i++)
        {
            var timeout = TimeSpan.FromTicks(random.NextInt64(1, TimeSpan.TicksPerDay * 30));
            Assert.True(GrpcTimeout.TryParse(GrpcTimeout.Format(timeout), out var parsed));
            Assert.True(parsed >= timeout, $"{timeout} became {parsed}");
        }
    }
}
