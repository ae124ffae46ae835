namespace MeshProxy.Grpc;

/// <summary>
/// A call that ended with a non-OK status. Servers throw it to choose the status and trailers; clients see it when a
/// call fails.
/// </summary>
public sealed class RpcException : Exception
{
    public RpcException(Status status)
        : this(status, new Metadata(), null)
    {
    }

    public RpcException(Status status, Metadata trailers)
        : this(status, trailers, null)
    {
    }

    public RpcException(Status status, Metadata trailers, string? message)
        : this(status, trailers, message, null)
    {
    }

    public RpcException(Status status, Metadata trailers, string? message, Exception? innerException)
        : base(message ?? status.ToString(), innerException)
    {
        ArgumentNullException.ThrowIfNull(trailers);
        Status = status;
        Trailers = trailers;
    }

    public Status Status { get; }

    public StatusCode StatusCode => Status.StatusCode;

    /// <summary>The trailers that came with the status (custom metadata only).</summary>
    public Metadata Trailers { get; }
}
