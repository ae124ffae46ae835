using System.Globalization;
using System.Text;

namespace MeshProxy.FunctionalTests.Protection;

/// <summary>
/// Reads HTTP/1.1 responses one after another off a raw connection (status line, headers, and a Content-Length
/// body), so a test can send the next request on the same connection and see whether it is answered.
/// </summary>
internal sealed class HttpResponseReader(Stream stream)
{
    private readonly byte[] _buffer = new byte[8192];
    private readonly MemoryStream _pending = new();

    /// <summary>The whole next response as text; throws when the connection closes before it is complete.</summary>
    public async Task<string> ReadResponseAsync()
    {
        while (true)
        {
            var text = Encoding.ASCII.GetString(_pending.GetBuffer(), 0, (int)_pending.Length);
            var headersEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (headersEnd >= 0)
            {
                var length = ContentLength(text[..headersEnd]);
                var total = headersEnd + 4 + length;
                if (_pending.Length >= total)
                {
                    var response = text[..total];
                    var left = _pending.GetBuffer().AsSpan(total, (int)_pending.Length - total).ToArray();
                    _pending.SetLength(0);
                    _pending.Write(left);
                    return response;
                }
            }

            var read = await stream.ReadAsync(_buffer);
            if (read == 0)
            {
                throw new IOException($"The connection closed before a whole response came; received: {text}");
            }

            _pending.Write(_buffer, 0, read);
        }
    }

    private static int ContentLength(string headers)
    {
        foreach (var line in headers.Split("\r\n"))
        {
            if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
            {
                return int.Parse(line["Content-Length:".Length..].Trim(), CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }
}
