using MeshProxy.Configuration;

namespace MeshProxy.Tests.Configuration;

public sealed class DurationTests
{
    [Theory]
    [InlineData("0s", 0)]
    [InlineData("500ms", 500)]
    [InlineData("5s", 5_000)]
    [InlineData("2m", 120_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData("-3s", -3_000)]
    public void TryParse_Valid_ReturnsValue(string text, long milliseconds)
    {
        Assert.True(Duration.TryParse(text, out var value));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("5")]
    [InlineData("s")]
    [InlineData("5 s")]
    [InlineData("1.5s")]
    [InlineData("5d")]
    [InlineData("5S")]
    [InlineData("99999999999999999h")]
    public void TryParse_Invalid_ReturnsFalse(string text) => Assert.False(Duration.TryParse(text, out _));

    [Theory]
    [InlineData("0s")]
    [InlineData("250ms")]
    [InlineData("90s")]
    [InlineData("5m")]
    [InlineData("2h")]
    public void Format_RoundTrips(string text)
    {
        Assert.True(Duration.TryParse(text, out var value));
        Assert.Equal(text, Duration.Format(value));
    }
}
