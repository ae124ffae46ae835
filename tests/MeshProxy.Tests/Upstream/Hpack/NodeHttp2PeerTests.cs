using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using MeshProxy.TestSupport;

namespace MeshProxy.Tests.Upstream.Hpack;

/// <summary>
/// HPACK against a real peer: Node's http2 module (nghttp2, which Huffman codes and indexes as it sees fit) serves
/// responses with many repeated and new fields and trailers over one connection (tests/node/hpack/server.js); our
/// decoder reads every block in connection order and must give back exactly the fields the server was told to send.
/// The server answers each request with the fields nghttp2 decoded from our encoder's block, checked as well: nghttp2
/// is the independent decoder that must keep its dynamic table in step with our encoder's.
/// </summary>
public sealed class NodeHttp2PeerTests
{
    private const int Responses = 12;

    [Theory]
    [InlineData(4096, 5)]
    [InlineData(256, 2)] // small enough that nghttp2 must evict, and must open its first block with a size update
    [InlineData(0, 0)]   // no dynamic table at all: everything literal
    public async Task Decode_NodeResponsesOverOneConnection_GiveTheFieldsTheServerSent(int headerTableSize, int tableEntries)
    {
        var responses = Enumerable.Range(0, Responses).Select(MakeResponse).ToArray();
        using var spec = TempPath.File("hpack", ".json");
        await WriteSpecAsync(spec.Path, responses);
        using var cancellation = new CancellationTokenSource(TaskTimeoutExtensions.DefaultTimeoutSpan);
        var (process, port) = await StartServerAsync(spec.Path, cancellation.Token).DefaultTimeout();
        try
        {
            await using var connection = await Http2ResponseReader.ConnectAsync(port, headerTableSize, cancellation.Token).DefaultTimeout();
            for (var i = 0; i < Responses; i++)
            {
                var streamId = (2 * i) + 1;
                var request = MakeRequest(i, port);
                await connection.SendRequestAsync(streamId, request, cancellation.Token).DefaultTimeout();
                var (blocks, body) = await connection.ReadStreamAsync(streamId, cancellation.Token).DefaultTimeout();

                Assert.Equal(2, blocks.Count);
                Assert.Equal(responses[i].Headers, blocks[0]);
                Assert.Equal(responses[i].Trailers, blocks[1]);
                var received = JsonSerializer.Deserialize<string[][]>(Encoding.Latin1.GetString(body))!;
                Assert.Equal(request, received.Select(f => (f[0], f[1])));
            }

            Assert.Equal(2 * Responses, connection.BlockCount);
            Assert.True(connection.ContinuedBlockCount >= 1, "the large response should have needed CONTINUATION frames");
            Assert.True(
                tableEntries == 0 ? connection.LargestTableCount == 0 : connection.LargestTableCount >= tableEntries,
                $"nghttp2 should have indexed at least {tableEntries} fields; the largest table held {connection.LargestTableCount}");

            if (headerTableSize < 4096)
            {
                Assert.True(connection.SizeUpdateCount >= 1, "nghttp2 should have signalled the smaller table size");
            }
        }
        finally
        {
            Stop(process);
        }
    }

    private static void Stop(Process process)
    {
        // Closing stdin asks the server to exit; kill it if it does not.
        process.StandardInput.Close();
        if (!process.WaitForExit(5000))
        {
            process.Kill(entireProcessTree: true);
        }

        process.Dispose();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Encode_ServerLowersItsTableSize_NeedsTheSizeUpdateAtTheStartOfOurNextBlock(bool told)
    {
        // RFC 7541 §4.2: once the server's smaller SETTINGS_HEADER_TABLE_SIZE is acknowledged, nghttp2 insists that
        // our next block open with a size update; without it the connection ends with COMPRESSION_ERROR (9). The
        // encoder sends it when it is told of the setting, as the connection tells it.
        using var spec = TempPath.File("hpack", ".json");
        await File.WriteAllTextAsync(spec.Path, JsonSerializer.Serialize(new[] { new { headers = new[] { new[] { ":status", "200" } }, trailers = new[] { new[] { "grpc-status", "0" } } } }));
        using var cancellation = new CancellationTokenSource(TaskTimeoutExtensions.DefaultTimeoutSpan);
        var (process, port) = await StartServerAsync(spec.Path, cancellation.Token, "0").DefaultTimeout();
        try
        {
            await using var connection = await Http2ResponseReader.ConnectAsync(port, 4096, cancellation.Token).DefaultTimeout();
            await connection.AcknowledgeServerSettingsAsync(cancellation.Token, applyToEncoder: told).DefaultTimeout();
            await connection.SendRequestAsync(1, MakeRequest(0, port), cancellation.Token).DefaultTimeout();
            var read = connection.ReadStreamAsync(1, cancellation.Token);
            if (told)
            {
                var (blocks, _) = await read.DefaultTimeout();
                Assert.Equal([(":status", "200")], blocks[0].Where(f => f.Name == ":status"));
            }
            else
            {
                var error = await Assert.ThrowsAsync<InvalidOperationException>(() => read.DefaultTimeout());
                Assert.Contains("GOAWAY, error 9", error.Message, StringComparison.Ordinal);
            }
        }
        finally
        {
            Stop(process);
        }
    }

    [Theory]
    [InlineData(4096)]
    [InlineData(256)] // a table that holds a handful of our fields: evictions on nearly every request
    public async Task Encode_ManyRequestsOverOneConnection_NghttpDecodesEveryFieldAsSent(int headerTableSize)
    {
        var responses = Enumerable.Range(0, Responses).Select(MakeResponse).ToArray();
        using var spec = TempPath.File("hpack", ".json");
        await WriteSpecAsync(spec.Path, responses);
        using var cancellation = new CancellationTokenSource(TaskTimeoutExtensions.DefaultTimeoutSpan);
        var (process, port) = await StartServerAsync(spec.Path, cancellation.Token, headerTableSize.ToString(CultureInfo.InvariantCulture)).DefaultTimeout();
        try
        {
            // Mid-connection the server changes its SETTINGS_HEADER_TABLE_SIZE (smaller, 0, larger, above 4096): each
            // change is acknowledged before the response, so our next block must open with the size update.
            var changes = new Dictionary<int, int> { [30] = 100, [45] = 0, [55] = 4096, [70] = 1024, [85] = 65536 };
            var random = new Random(7541);
            var requests = Enumerable.Range(0, 100).Select(i => MakeVaryingRequest(i, port, random)).ToArray();
            var indexed = requests.SelectMany(r => r).Where(f => f.Name.StartsWith("x-call-", StringComparison.Ordinal)).Sum(f => f.Name.Length + f.Value.Length + 32);
            Assert.True(indexed > 4096, $"the fields indexed should overflow the table: {indexed} bytes");

            await using var connection = await Http2ResponseReader.ConnectAsync(port, 4096, cancellation.Token).DefaultTimeout();
            var streamId = 1;
            for (var i = 0; i < requests.Length; i++)
            {
                if (changes.TryGetValue(i, out var size))
                {
                    await connection.SendRequestAsync(streamId, [(":method", "GET"), (":scheme", "http"), (":path", $"/settings/{size}"), (":authority", $"127.0.0.1:{port}")], cancellation.Token).DefaultTimeout();
                    await connection.ReadStreamAsync(streamId, cancellation.Token).DefaultTimeout();
                    streamId += 2;
                }

                await connection.SendRequestAsync(streamId, requests[i], cancellation.Token).DefaultTimeout();
                var (blocks, body) = await connection.ReadStreamAsync(streamId, cancellation.Token).DefaultTimeout();
                streamId += 2;

                var received = JsonSerializer.Deserialize<string[][]>(Encoding.Latin1.GetString(body))!;
                Assert.Equal(requests[i], received.Select(f => (f[0], f[1])));
                Assert.Equal(responses[i % Responses].Headers, blocks[0]);
            }

            Assert.True(connection.EncoderTableCount > 0, "the encoder should have indexed fields");
        }
        finally
        {
            Stop(process);
        }
    }

    /// <summary>
    /// A request with fields that repeat on every call, some that repeat now and then (a tenant, a method), some new
    /// each time (a deadline, a name and value of their own, a larger value), and credentials.
    /// </summary>
    private static List<(string Name, string Value)> MakeVaryingRequest(int i, int port, Random random)
    {
        var fields = new List<(string Name, string Value)>
        {
            (":method", "GET"),
            (":scheme", "http"),
            (":path", $"/responses/{i % Responses}"),
            (":authority", $"127.0.0.1:{port}"),
            ("te", "trailers"),
            ("content-type", "application/grpc"),
            ("user-agent", "meshproxy-hpack-test"),
            ("authorization", $"Bearer token-{i % 3}"),
            ("grpc-timeout", $"{random.Next(1, 100000)}m"),
            ("x-tenant", $"tenant-{random.Next(8)}"),
            ($"x-call-{i}", $"value {i} {new string('v', random.Next(1, 60))}"),
            ("x-client-latin1", "été þ"),
        };
        if (random.Next(3) == 0)
        {
            fields.Add(("x-medium", new string((char)('a' + random.Next(26)), random.Next(100, 400))));
        }

        if (random.Next(10) == 0)
        {
            fields.Add(("x-large", new string('L', random.Next(1100, 3000))));
        }

        if (random.Next(4) == 0)
        {
            fields.Add(("cookie", $"id={random.Next(1000)}"));
        }

        return fields;
    }

    // The responses the Node server sends, in the JSON its script reads.
    private static Task WriteSpecAsync(string path, IEnumerable<(List<(string Name, string Value)> Headers, List<(string Name, string Value)> Trailers)> responses) =>
        File.WriteAllTextAsync(path, JsonSerializer.Serialize(responses.Select(r => new
        {
            headers = r.Headers.Select(f => new[] { f.Name, f.Value }),
            trailers = r.Trailers.Select(f => new[] { f.Name, f.Value }),
        })));

    private static (List<(string Name, string Value)> Headers, List<(string Name, string Value)> Trailers) MakeResponse(int i)
    {
        string[] statuses = ["200", "404", "500", "302", "201", "200"];
        var headers = new List<(string, string)>
        {
            (":status", statuses[i % statuses.Length]),
            ("content-type", i % 4 == 3 ? "application/grpc+proto" : "application/grpc"),
            ("date", "Thu, 03 Dec 2026 06:00:00 GMT"),
            ("server", "node-hpack-peer"),
            ("x-repeated", "the same value on every response"),
            ("x-request-id", $"req-{i:D4}-{(i * 7919) % 10007}"),
            ($"x-new-name-{i}", $"value {i}"),
            ("x-latin1", "caf\u00e9 \u00ff\u00a0 na\u00efve"),
            ("set-cookie", $"session={new string((char)('a' + (i % 26)), 20 + i)}; Path=/; HttpOnly"),
        };
        if (i % 3 == 0)
        {
            headers.Add(("cache-control", "private, max-age=0"));
        }

        if (i == 5)
        {
            // Over the 16 KiB default frame size: nghttp2 must continue the block in CONTINUATION frames.
            headers.Add(("x-large", string.Concat(Enumerable.Range(0, 1500).Select(n => n.ToString("D5", CultureInfo.InvariantCulture) + "-abcdefghij"))));
        }

        var trailers = new List<(string, string)>
        {
            ("grpc-status", (i % 3).ToString(CultureInfo.InvariantCulture)),
            ("grpc-message", i % 3 == 0 ? "OK" : $"failure number {i}"),
            ("x-trailer-repeated", "trailer value"),
        };
        return (headers, trailers);
    }

    private static List<(string Name, string Value)> MakeRequest(int i, int port) =>
    [
        (":method", "GET"),
        (":scheme", "http"),
        (":path", $"/responses/{i}"),
        (":authority", $"127.0.0.1:{port}"),
        ("te", "trailers"),
        ("content-type", "application/grpc"),
        ("user-agent", "meshproxy-hpack-test"),
        ("authorization", $"Bearer token-{i}"),
        ("x-client-latin1", "\u00e9t\u00e9 \u00fe"),
        ("x-empty", string.Empty),
    ];

    private static async Task<(Process Process, int Port)> StartServerAsync(string specPath, CancellationToken cancellationToken, string headerTableSize = "4096")
    {
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = RepoPaths.Combine("tests", "node"),
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("hpack/server.js");
        start.ArgumentList.Add(specPath);
        start.ArgumentList.Add(headerTableSize);
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start node.");
        var stderr = new StringBuilder();
        process.ErrorDataReceived += (_, e) =>
        {
            lock (stderr)
            {
                stderr.AppendLine(e.Data);
            }
        };
        process.BeginErrorReadLine();
        try
        {
            var line = await process.StandardOutput.ReadLineAsync(cancellationToken);
            if (line is null || !line.StartsWith("LISTENING ", StringComparison.Ordinal))
            {
                await process.WaitForExitAsync(cancellationToken);
                lock (stderr)
                {
                    throw new InvalidOperationException($"hpack/server.js did not start: '{line}'\n{stderr}");
                }
            }

            return (process, int.Parse(line["LISTENING ".Length..], CultureInfo.InvariantCulture));
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            throw;
        }
    }
}
