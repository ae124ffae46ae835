using Google.Protobuf;

namespace MeshProxy.Grpc;

/// <summary>
/// The outcome of a call: a code, a human-readable detail (sent percent-encoded as grpc-message) and optionally a
/// serialized google.rpc.Status (sent base64 as grpc-status-details-bin), per PROTOCOL-HTTP2.md, Responses.
/// </summary>
public readonly record struct Status(StatusCode StatusCode, string Detail, byte[]? DetailsBytes = null)
{
    public static readonly Status DefaultSuccess = new(StatusCode.OK, string.Empty);

    public static readonly Status DefaultCancelled = new(StatusCode.Cancelled, string.Empty);

    /// <summary>A status whose code and message come from a google.rpc.Status, which travels whole as details.</summary>
    public static Status FromRpcStatus(Google.Rpc.Status rpcStatus)
    {
        ArgumentNullException.ThrowIfNull(rpcStatus);
        var code = Enum.IsDefined((StatusCode)rpcStatus.Code) ? (StatusCode)rpcStatus.Code : StatusCode.Unknown;
        return new Status(code, rpcStatus.Message, rpcStatus.ToByteArray());
    }

    /// <summary>The google.rpc.Status carried as details, or null when there is none or it does not parse.</summary>
    public Google.Rpc.Status? GetRpcStatus()
    {
        if (DetailsBytes is null)
        {
            return null;
        }

        try
        {
            return Google.Rpc.Status.Parser.ParseFrom(DetailsBytes);
        }
        catch (InvalidProtocolBufferException)
        {
            return null;
        }
    }

    public override string ToString() =>
        $"Status(StatusCode=\"{StatusCode}\", Detail=\"{Detail}\"{(DetailsBytes is null ? "" : $", DetailsBytes={DetailsBytes.Length}B")})";
}
