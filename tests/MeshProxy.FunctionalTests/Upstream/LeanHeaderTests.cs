using MeshProxy.FunctionalTests.TrafficPolicy.Retries;
using MeshProxy.Grpc;
using MeshProxy.TestSupport;
using Microsoft.AspNetCore.Http;
using Xunit.Abstractions;

namespace MeshProxy.FunctionalTests.Upstream;

/// <summary>
/// HPACK state across calls (RFC 7541 §2.3, §4): hundreds of calls on the same upstream connection, twenty at a time,
/// each with metadata drawn from a seeded mix of new, repeated and large values (filling and evicting the dynamic
/// tables of both directions), must reach the backend and come back exactly.
/// </summary>
public sealed class LeanHeaderTests(ITestOutputHelper output)
{
    [Theory]
    [MemberData(nameof(UpstreamClients.Both), MemberType = typeof(UpstreamClients))]
    public async Task ManyCallsWithChangingMetadata_EveryHeaderArrivesAndComesBackExactly(string client)
    {
        // The backend echoes every x-h* request header as a response header and, renamed x-t*, as a trailer.
        await using var a = await ScriptedBackend.StartAsync("a", (c, call) =>
        {
            foreach (var (name, value) in call.Headers.Where(h => h.Key.StartsWith("x-h", StringComparison.Ordinal)))
            {
                c.Response.Headers[name] = value;
                c.Response.AppendTrailer("x-t" + name[3..], value);
            }

            return ScriptedBackend.MessageThenStatusAsync(c, [1], StatusCode.OK);
        }).DefaultTimeout();
        await using var stack = await RetryStack.StartAsync(output, UpstreamClients.Config("""[ { address: "{a}", name: a } ]""", route: "retry: { maxAttempts: 1 }"), [a]);
        var random = new Random(1234);
        var sent = Enumerable.Range(0, 300).Select(_ => Metadata(random)).ToArray();

        for (var batch = 0; batch < sent.Length; batch += 20)
        {
            var outcomes = await Task.WhenAll(sent.Skip(batch).Take(20).Select(headers =>
                UpstreamCall.SendAsync(stack.Client, stack.Address, client, headers: headers))).DefaultTimeout();
            for (var i = 0; i < outcomes.Length; i++)
            {
                var headers = sent[batch + i];
                Assert.Equal("0", outcomes[i].Status);
                foreach (var (name, value) in headers)
                {
                    Assert.Contains($"\n{name}: {value}\n", "\n" + outcomes[i].Headers + "\n", StringComparison.Ordinal);
                    Assert.Contains($"\nx-t{name[3..]}: {value}\n", "\n" + outcomes[i].Trailers + "\n", StringComparison.Ordinal);
                }
            }
        }

        Assert.Equal(sent.Length, a.Calls.Count);
    }

    /// <summary>3 to 12 headers named from a pool of 30: a value reused from a pool of 20 (indexed after its first use), a fresh one, or a large one.</summary>
    private static (string Name, string Value)[] Metadata(Random random)
    {
        var names = Enumerable.Range(0, 30).OrderBy(_ => random.Next()).Take(random.Next(3, 13));
        return names.Select(n => ($"x-h{n}", random.Next(3) switch
        {
            0 => $"shared value {random.Next(20)}",
            1 => $"fresh {random.NextInt64():x} {new string((char)('a' + random.Next(26)), random.Next(0, 80))}",
            _ => new string((char)('A' + random.Next(26)), random.Next(1000, 3000)),
        })).ToArray();
    }
}
