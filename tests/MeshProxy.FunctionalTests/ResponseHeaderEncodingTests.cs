using System.Text;
using MeshProxy.FunctionalTests.Infrastructure;
using MeshProxy.FunctionalTests.Observability;
using MeshProxy.Hosting;
using MeshProxy.TestSupport;

namespace MeshProxy.FunctionalTests;

/// <summary>
/// How the gRPC listener encodes response headers, read off the wire by a hand-made HTTP/2 client: as HPACK literals
/// that never enter the caller's dynamic table (every response carries a fresh x-request-id, which would churn it).
/// </summary>
public sealed class ResponseHeaderEncodingTests
{
    private const int StaticTableSize = 61;

    [Fact]
    public async Task ManyCallsOnOneConnection_EveryHeaderBlockLiteralOrStatic_NoDynamicTableEntries()
    {
        var stack = new TracingStack(string.Empty);
        await stack.InitializeAsync();
        try
        {
            await using var connection = await RawHttp2Connection.ConnectAsync(stack.Proxy.EndPoint(ListenerName.Grpc)).DefaultTimeout();
            var frames = new MemoryStream();
            for (var streamId = 1; streamId <= 5; streamId += 2)
            {
                frames.Write(RawHttp2Connection.Frame(RawHttp2Connection.Headers, RawHttp2Connection.EndHeaders, streamId, RawHttp2Connection.GrpcRequestHeaders("/users.v1.UserService/GetUser")));
                frames.Write(RawHttp2Connection.Frame(RawHttp2Connection.Data, RawHttp2Connection.EndStream, streamId, GrpcFrames.Frame([0x0a, 0x06, .. "u-1001"u8])));
            }

            Assert.True(await connection.WriteAsync(frames.ToArray()).DefaultTimeout());

            // Three calls: response headers and trailers each.
            var blocks = new List<byte[]>();
            while (blocks.Count < 6)
            {
                blocks.Add((await connection.HeaderBlocks.ReadAsync().AsTask().DefaultTimeout()).Block);
            }

            foreach (var block in blocks)
            {
                AssertNoDynamicIndexing(block);
            }

            // The later calls' headers are spelled out again, not referred to.
            var headers = blocks.Where(b => Contains(b, "x-request-id")).ToList();
            Assert.Equal(3, headers.Count);
            Assert.All(headers, b => Assert.True(Contains(b, "application/grpc")));
        }
        finally
        {
            await stack.DisposeAsync();
        }
    }

    // Walks the block's representations (RFC 7541 §6): indexed fields and literal names from the static table only,
    // no literal with incremental indexing.
    private static void AssertNoDynamicIndexing(byte[] block)
    {
        var at = 0;
        while (at < block.Length)
        {
            var first = block[at];
            if ((first & 0x80) != 0)
            {
                Assert.InRange(ReadInteger(block, ref at, 7), 1, StaticTableSize);
            }
            else if ((first & 0xc0) == 0x40)
            {
                Assert.Fail($"a literal with incremental indexing at byte {at} of {Convert.ToHexString(block)}");
            }
            else if ((first & 0xe0) == 0x20)
            {
                ReadInteger(block, ref at, 5);
            }
            else
            {
                var nameIndex = ReadInteger(block, ref at, 4);
                Assert.InRange(nameIndex, 0, StaticTableSize);
                if (nameIndex == 0)
                {
                    SkipString(block, ref at);
                }

                SkipString(block, ref at);
            }
        }
    }

    private static int ReadInteger(byte[] block, ref int at, int prefixBits)
    {
        var max = (1 << prefixBits) - 1;
        var value = block[at++] & max;
        if (value < max)
        {
            return value;
        }

        for (var shift = 0; ; shift += 7)
        {
            var next = block[at++];
            value += (next & 0x7f) << shift;
            if ((next & 0x80) == 0)
            {
                return value;
            }
        }
    }

    private static void SkipString(byte[] block, ref int at)
    {
        var length = ReadInteger(block, ref at, 7);
        at += length;
    }

    private static bool Contains(byte[] block, string text) => block.AsSpan().IndexOf(Encoding.ASCII.GetBytes(text)) >= 0;
}
