namespace MeshProxy.Upstream.Hpack;

/// <summary>
/// A header block HPACK cannot decode (RFC 7541), or one over the header list size we advertised. Except when
/// <see cref="IsHeaderListTooLarge"/>, the connection's compression state is lost: it must end with GOAWAY
/// COMPRESSION_ERROR (RFC 9113 §4.3).
/// </summary>
internal sealed class HpackException : Exception
{
    public HpackException()
    {
    }

    public HpackException(string message)
        : base(message)
    {
    }

    public HpackException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    private HpackException(string message, bool isHeaderListTooLarge)
        : base(message)
    {
        IsHeaderListTooLarge = isHeaderListTooLarge;
    }

    /// <summary>
    /// The block decoded, and the dynamic table is in step with the peer's, but the field list was over
    /// SETTINGS_MAX_HEADER_LIST_SIZE: the stream can be reset and the connection kept (RFC 9113 §6.5.2, §8.2.3).
    /// </summary>
    public bool IsHeaderListTooLarge { get; }

    public static HpackException HeaderListTooLarge(long size, int limit) => new(
        $"The decoded header list is {size} bytes (name + value + 32 per field), over the limit of {limit} (RFC 9113 §6.5.2).",
        isHeaderListTooLarge: true);
}
