using MeshProxy.TestSupport;

namespace MeshProxy.FunctionalTests.Transcoding.Oracle;

/// <summary>
/// The differential suite: each <see cref="OracleCases"/> request goes to the sidecar's REST listener and to Microsoft's
/// JSON transcoding over the same service instances. Both must agree on status, content type, Allow, response
/// metadata headers and the JSON body (by meaning), unless <see cref="OracleDifferences"/> lists the case, in which case
/// each side must answer as the README's difference row says.
/// </summary>
[Collection(OracleStackCollection.Name)]
public sealed class TranscodingOracleTests(OracleStackFixture stack)
{
    public static TheoryData<string> Agreeing { get; } = [.. OracleCases.All.Select(c => c.Name).Where(n => !OracleDifferences.ByCase.ContainsKey(n))];

    public static TheoryData<string> Differing { get; } = [.. OracleDifferences.ByCase.Keys];

    [Theory]
    [MemberData(nameof(Agreeing))]
    public async Task Transcoders_SameRequest_AnswerAlike(string name)
    {
        var (request, ours, theirs) = await ExchangeAsync(name);

        var context = $"{request.Method} {request.Path}\nours:   {ours}\ntheirs: {theirs}";
        Assert.True(ours.Status == theirs.Status, $"status differs: {context}");
        Assert.True(string.Equals(ours.MediaType, theirs.MediaType, StringComparison.OrdinalIgnoreCase), $"media type differs: {context}");
        Assert.True(string.Equals(ours.Charset, theirs.Charset, StringComparison.OrdinalIgnoreCase), $"charset differs: {context}");
        Assert.True(ours.Allow == theirs.Allow, $"Allow differs: {context}");
        Assert.True(ours.MetadataHeaders.SequenceEqual(theirs.MetadataHeaders), $"metadata headers differ: {context}");
        if (!ours.IsJson || !theirs.IsJson)
        {
            Assert.True(ours.Body == theirs.Body, $"body differs: {context}");
            return;
        }

        if (request.TranscoderError && ours.Status >= 400)
        {
            // The transcoders' own refusals: same code and details; the message is each one's developer-facing text.
            Assert.Equal(theirs.Json.GetProperty("code").GetInt32(), ours.Json.GetProperty("code").GetInt32());
            Assert.False(string.IsNullOrEmpty(ours.Json.GetProperty("message").GetString()), context);
            Assert.Equal(theirs.Json.GetProperty("details").GetRawText(), ours.Json.GetProperty("details").GetRawText());
            return;
        }

        Assert.True(ours.JsonValues!.SequenceEqual(theirs.JsonValues!), $"JSON body differs: {context}");
    }

    [Theory]
    [MemberData(nameof(Differing))]
    public async Task Transcoders_KnownDifference_EachSideAnswersAsDocumented(string name)
    {
        var difference = OracleDifferences.ByCase[name];
        var (_, ours, theirs) = await ExchangeAsync(name);

        Assert.False(
            ours.Status == theirs.Status && ours.MediaType == theirs.MediaType && ours.Body == theirs.Body && ours.MetadataHeaders.SequenceEqual(theirs.MetadataHeaders),
            $"{name} is listed as '{difference.Id}' but both answered alike: {ours}");
        difference.Assert(ours, theirs);
    }

    /// <summary>Microsoft's default writes int64 as JSON numbers; ProtoJSON (and we) write strings. The suite's oracle opts into strings.</summary>
    [Fact]
    public async Task Transcoders_Int64_OursStringsMicrosoftDefaultNumbers()
    {
        using var oursResponse = await stack.Ours.Http.GetAsync("/v1/users/u-1002").DefaultTimeout();
        using var theirsResponse = await stack.TheirsDefaults.Http.GetAsync("/v1/users/u-1002").DefaultTimeout();
        var ours = await OracleReply.CaptureAsync(oursResponse).DefaultTimeout();
        var theirs = await OracleReply.CaptureAsync(theirsResponse).DefaultTimeout();

        Assert.Equal("10485760", ours.Json.GetProperty("storageBytes").GetString());
        Assert.Equal(10485760, theirs.Json.GetProperty("storageBytes").GetInt64());
    }

    [Fact]
    public void KnownDifferences_EachRow_IsInTheTranscodingReadmeAndNamesACase()
    {
        var readme = File.ReadAllText(Path.Combine(RepoPaths.Root, "proxy", "MeshProxy", "Transcoding", "README.md"));
        var names = OracleCases.All.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var (name, difference) in OracleDifferences.ByCase)
        {
            Assert.Contains(name, names);
            Assert.Contains($"| `{difference.Id}` |", readme, StringComparison.Ordinal);
        }

        Assert.Contains("| `int64-as-number` |", readme, StringComparison.Ordinal);
        Assert.Equal(OracleCases.All.Count, names.Count);
    }

    private async Task<(OracleCase Request, OracleReply Ours, OracleReply Theirs)> ExchangeAsync(string name)
    {
        var request = OracleCases.All.Single(c => c.Name == name);
        using var oursRequest = request.ToRequest();
        using var oursResponse = await stack.Ours.Http.SendAsync(oursRequest).DefaultTimeout();
        var ours = await OracleReply.CaptureAsync(oursResponse).DefaultTimeout();
        using var theirsRequest = request.ToRequest();
        using var theirsResponse = await stack.Theirs.Http.SendAsync(theirsRequest).DefaultTimeout();
        var theirs = await OracleReply.CaptureAsync(theirsResponse).DefaultTimeout();
        return (request, ours, theirs);
    }
}
