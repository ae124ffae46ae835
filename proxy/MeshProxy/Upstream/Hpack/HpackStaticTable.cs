using System.Text;

namespace MeshProxy.Upstream.Hpack;

/// <summary>The 61 entries of HPACK's static table (RFC 7541 Appendix A), index 1 to 61, as bytes.</summary>
internal static class HpackStaticTable
{
    public const int Count = 61;

    private static readonly byte[][] Names =
    [
        [],
        ":authority"u8.ToArray(), ":method"u8.ToArray(), ":method"u8.ToArray(), ":path"u8.ToArray(),
        ":path"u8.ToArray(), ":scheme"u8.ToArray(), ":scheme"u8.ToArray(), ":status"u8.ToArray(),
        ":status"u8.ToArray(), ":status"u8.ToArray(), ":status"u8.ToArray(), ":status"u8.ToArray(),
        ":status"u8.ToArray(), ":status"u8.ToArray(), "accept-charset"u8.ToArray(), "accept-encoding"u8.ToArray(),
        "accept-language"u8.ToArray(), "accept-ranges"u8.ToArray(), "accept"u8.ToArray(), "access-control-allow-origin"u8.ToArray(),
        "age"u8.ToArray(), "allow"u8.ToArray(), "authorization"u8.ToArray(), "cache-control"u8.ToArray(),
        "content-disposition"u8.ToArray(), "content-encoding"u8.ToArray(), "content-language"u8.ToArray(), "content-length"u8.ToArray(),
        "content-location"u8.ToArray(), "content-range"u8.ToArray(), "content-type"u8.ToArray(), "cookie"u8.ToArray(),
        "date"u8.ToArray(), "etag"u8.ToArray(), "expect"u8.ToArray(), "expires"u8.ToArray(),
        "from"u8.ToArray(), "host"u8.ToArray(), "if-match"u8.ToArray(), "if-modified-since"u8.ToArray(),
        "if-none-match"u8.ToArray(), "if-range"u8.ToArray(), "if-unmodified-since"u8.ToArray(), "last-modified"u8.ToArray(),
        "link"u8.ToArray(), "location"u8.ToArray(), "max-forwards"u8.ToArray(), "proxy-authenticate"u8.ToArray(),
        "proxy-authorization"u8.ToArray(), "range"u8.ToArray(), "referer"u8.ToArray(), "refresh"u8.ToArray(),
        "retry-after"u8.ToArray(), "server"u8.ToArray(), "set-cookie"u8.ToArray(), "strict-transport-security"u8.ToArray(),
        "transfer-encoding"u8.ToArray(), "user-agent"u8.ToArray(), "vary"u8.ToArray(), "via"u8.ToArray(),
        "www-authenticate"u8.ToArray(),
    ];

    // Only these entries have a value; every other value is empty.
    private static readonly byte[][] Values = BuildValues();

    // Indices of the entries by name length, so a lookup compares against a handful of names, not 61.
    private static readonly int[][] ByNameLength = BuildByNameLength();

    public static ReadOnlySpan<byte> GetName(int index) => Names[index];

    public static ReadOnlySpan<byte> GetValue(int index) => Values[index];

    /// <summary>
    /// The index of the entry with <paramref name="name"/> and <paramref name="value"/>, else 0; and in
    /// <paramref name="nameIndex"/> the first entry with that name, else 0.
    /// </summary>
    public static int Find(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, out int nameIndex)
    {
        nameIndex = 0;
        if (name.Length >= ByNameLength.Length)
        {
            return 0;
        }

        foreach (var index in ByNameLength[name.Length])
        {
            if (!name.SequenceEqual(Names[index]))
            {
                if (nameIndex != 0)
                {
                    // Entries of one name are adjacent in the table.
                    break;
                }

                continue;
            }

            if (nameIndex == 0)
            {
                nameIndex = index;
            }

            if (value.SequenceEqual(Values[index]))
            {
                return index;
            }
        }

        return 0;
    }

    /// <summary><see cref="Find(ReadOnlySpan{byte}, ReadOnlySpan{byte}, out int)"/> for names and values in chars.</summary>
    public static int Find(ReadOnlySpan<char> name, ReadOnlySpan<char> value, out int nameIndex)
    {
        nameIndex = 0;
        if (name.Length >= ByNameLength.Length)
        {
            return 0;
        }

        // Ascii.Equals is plain equality here, as every entry is ASCII, and compares 8 chars or more a load at a time.
        foreach (var index in ByNameLength[name.Length])
        {
            if (!Ascii.Equals(name, Names[index]))
            {
                if (nameIndex != 0)
                {
                    break;
                }

                continue;
            }

            if (nameIndex == 0)
            {
                nameIndex = index;
            }

            if (Ascii.Equals(value, Values[index]))
            {
                return index;
            }
        }

        return 0;
    }

    private static byte[][] BuildValues()
    {
        var values = new byte[Count + 1][];
        Array.Fill(values, []);
        values[2] = "GET"u8.ToArray();
        values[3] = "POST"u8.ToArray();
        values[4] = "/"u8.ToArray();
        values[5] = "/index.html"u8.ToArray();
        values[6] = "http"u8.ToArray();
        values[7] = "https"u8.ToArray();
        values[8] = "200"u8.ToArray();
        values[9] = "204"u8.ToArray();
        values[10] = "206"u8.ToArray();
        values[11] = "304"u8.ToArray();
        values[12] = "400"u8.ToArray();
        values[13] = "404"u8.ToArray();
        values[14] = "500"u8.ToArray();
        values[16] = "gzip, deflate"u8.ToArray();
        return values;
    }

    private static int[][] BuildByNameLength()
    {
        var longest = 0;
        for (var i = 1; i <= Count; i++)
        {
            longest = Math.Max(longest, Names[i].Length);
        }

        var buckets = new List<int>[longest + 1];
        for (var length = 0; length <= longest; length++)
        {
            buckets[length] = [];
        }

        for (var i = 1; i <= Count; i++)
        {
            buckets[Names[i].Length].Add(i);
        }

        return Array.ConvertAll(buckets, bucket => bucket.ToArray());
    }
}
