using MeshProxy.Configuration;
using MeshProxy.Protection;
using MeshProxy.Tests.Configuration;

namespace MeshProxy.Tests.Protection;

public sealed class ProtectionConfigTests
{
    [Fact]
    public void Load_NoProtectionSection_Defaults()
    {
        var config = ConfigAssert.LoadValid(ConfigAssert.OneRoute);

        Assert.Equal(ProtectionOptions.Default, config.Protection);
    }

    [Fact]
    public void Load_EveryKey_ReadIntoTheOptions()
    {
        var config = ConfigAssert.LoadValid("""
            protection:
              commitBeforeForwarding: false
              commitBytes: 1024
              commitWait: 50ms
              maxHeapPercent: 75
              rest: { minBodyBytesPerSecond: 0, bodyGracePeriod: 3s, maxConnections: 20 }
              http2:
                floodGuard: false
                window: 30s
                maxResetStreams: 50
                maxPings: 60
                maxSettings: 70
                maxPriorityFramesPerStream: 80
                maxWindowUpdatesPerDataFrame: 90
                maxConsecutiveEmptyFrames: 2
                maxContinuationFrames: 4
            """ + "\n" + ConfigAssert.OneRoute);

        Assert.Equal(new ProtectionOptions
        {
            CommitBeforeForwarding = false,
            CommitBytes = 1024,
            CommitWait = TimeSpan.FromMilliseconds(50),
            MaxHeapPercent = 75,
            RestMinBodyBytesPerSecond = 0,
            RestBodyGracePeriod = TimeSpan.FromSeconds(3),
            RestMaxConnections = 20,
            Http2FloodGuard = false,
            Http2FloodWindow = TimeSpan.FromSeconds(30),
            Http2MaxResetStreams = 50,
            Http2MaxPings = 60,
            Http2MaxSettings = 70,
            Http2MaxPriorityFramesPerStream = 80,
            Http2MaxWindowUpdatesPerDataFrame = 90,
            Http2MaxConsecutiveEmptyFrames = 2,
            Http2MaxContinuationFrames = 4,
        }, config.Protection);
    }

    [Fact]
    public void Load_OneKey_TheOthersKeepTheirDefaults()
    {
        var config = ConfigAssert.LoadValid("protection: { http2: { maxPings: 10 } }\n" + ConfigAssert.OneRoute);

        Assert.Equal(ProtectionOptions.Default with { Http2MaxPings = 10 }, config.Protection);
    }

    [Theory]
    [InlineData("protection: { rest: { bodyGracePeriod: 1s } }", "protection.rest.bodyGracePeriod", "must be more than 1s")]
    [InlineData("protection: { commitBytes: 5 }", "protection.commitBytes", "must be between 6 and 786432")]
    [InlineData("protection: { commitBytes: 1000000 }", "protection.commitBytes", "must be between 6 and 786432")]
    [InlineData("protection: { commitWait: 0s }", "protection.commitWait", "must be between 1ms and 10s")]
    [InlineData("protection: { maxHeapPercent: 0 }", "protection.maxHeapPercent", "must be between 1 and 100")]
    [InlineData("protection: { maxHeapPercent: 101 }", "protection.maxHeapPercent", "must be between 1 and 100")]
    [InlineData("protection: { rest: { maxConnections: -1 } }", "protection.rest.maxConnections", "must be between 0 and")]
    [InlineData("protection: { http2: { maxPings: 0 } }", "protection.http2.maxPings", "must be between 1 and 1000000")]
    [InlineData("protection: { http2: { window: 500ms } }", "protection.http2.window", "must be between 1s and 1h")]
    [InlineData("protection: { http2: { floodGuard: maybe } }", "protection.http2.floodGuard", "expected true or false")]
    [InlineData("protection: { http2: { maxPing: 10 } }", "protection.http2.maxPing", "")]
    [InlineData("protection: { restMaxConnections: 10 }", "protection.restMaxConnections", "")]
    public void Load_BadValue_ErrorNamesThePathAndTheRule(string yaml, string path, string message)
    {
        var errors = ConfigAssert.Errors(yaml + "\n" + ConfigAssert.OneRoute);

        var error = Assert.Single(errors);
        Assert.Equal(path, error.Path);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ChangeValidator_SameOptions_NoError()
    {
        var errors = new ConfigErrors();

        ProtectionChangeValidator.Validate(ProtectionOptions.Default, ProtectionOptions.Default with { }, errors);

        Assert.False(errors.HasErrors);
    }

    [Fact]
    public void ChangeValidator_TwoKeysChanged_OneErrorEachWithLiveAndFileValues()
    {
        var errors = new ConfigErrors();

        ProtectionChangeValidator.Validate(ProtectionOptions.Default, ProtectionOptions.Default with { Http2MaxPings = 2000, CommitWait = TimeSpan.FromMilliseconds(250) }, errors);

        Assert.Collection(
            errors.All,
            e =>
            {
                Assert.Equal("protection.commitWait", e.Path);
                Assert.Equal("protection settings apply at start; changing them needs a restart (live: 100ms, file: 250ms)", e.Message);
            },
            e =>
            {
                Assert.Equal("protection.http2.maxPings", e.Path);
                Assert.Equal("protection settings apply at start; changing them needs a restart (live: 1000, file: 2000)", e.Message);
            });
    }
}
