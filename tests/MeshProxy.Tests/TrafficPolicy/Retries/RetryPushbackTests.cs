using MeshProxy.TrafficPolicy.Retries;

namespace MeshProxy.Tests.TrafficPolicy.Retries;

public sealed class RetryPushbackTests
{
    [Theory]
    [InlineData("0", 0)]
    [InlineData("250", 250)]
    [InlineData("-1", null)]
    [InlineData("1.5", null)]
    [InlineData("soon", null)]
    [InlineData("", null)]
    [InlineData("99999999999", null)]
    public void Read_HeaderValue_DelayOrStop(string value, int? ms)
    {
        var kind = ms is null ? PushbackKind.Stop : PushbackKind.Delay;
        using var response = new HttpResponseMessage();
        response.Headers.TryAddWithoutValidation(RetryPushback.Header, value);

        Assert.Equal((kind, TimeSpan.FromMilliseconds(ms ?? 0)), RetryPushback.Read(response));
    }

    [Fact]
    public void Read_NoHeader_None()
    {
        using var response = new HttpResponseMessage();

        Assert.Equal(PushbackKind.None, RetryPushback.Read(response).Kind);
    }
}
