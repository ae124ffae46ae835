namespace MeshProxy.Upstream;

/// <summary>A connection error (RFC 9113 §5.4.1) found while reading: the connection sends GOAWAY with the code and closes.</summary>
internal sealed class Http2ConnectionException(int errorCode, string message) : Exception(message)
{
    public int ErrorCode { get; } = errorCode;
}
