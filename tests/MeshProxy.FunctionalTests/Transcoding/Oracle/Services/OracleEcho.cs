using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;

namespace MeshProxy.FunctionalTests.Transcoding.Oracle.Services;

/// <summary>
/// What the oracle services share: the request as the service saw it (so a reply shows what each transcoder built
/// from the REST request), and statuses asked for by the request itself, so every gRPC code can be produced on demand.
/// </summary>
internal static class OracleEcho
{
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(false));

    /// <summary>The request in ProtoJSON as a Struct (int64 as strings, so no precision is lost on the way back).</summary>
    public static Struct Of(IMessage request) => Struct.Parser.ParseJson(Formatter.Format(request));

    /// <summary>The request in ProtoJSON, for replies that only have a string to carry it.</summary>
    public static string Text(IMessage request) => Formatter.Format(request);

    /// <summary>
    /// <c>status-NOT_FOUND</c> (any code of google/rpc/code.proto) fails the call with that code;
    /// <c>details-INVALID_ARGUMENT</c> also attaches a google.rpc.BadRequest in <c>grpc-status-details-bin</c>;
    /// <c>crash</c> throws a plain exception, which grpc-dotnet reports as UNKNOWN.
    /// </summary>
    public static void ThrowIfAsked(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return;
        }

        if (text == "crash")
        {
            throw new InvalidOperationException("the oracle service was asked to crash");
        }

        var withDetails = text.StartsWith("details-", StringComparison.Ordinal);
        if (!withDetails && !text.StartsWith("status-", StringComparison.Ordinal))
        {
            return;
        }

        var name = text[(text.IndexOf('-', StringComparison.Ordinal) + 1)..];
        if (!System.Enum.TryParse<Code>(name.Replace("_", string.Empty, StringComparison.Ordinal), ignoreCase: true, out var code))
        {
            return;
        }

        var message = $"asked for {name}";
        if (!withDetails)
        {
            throw new RpcException(new global::Grpc.Core.Status((StatusCode)code, message));
        }

        var status = new Google.Rpc.Status
        {
            Code = (int)code,
            Message = message,
            Details =
            {
                Any.Pack(new BadRequest { FieldViolations = { new BadRequest.Types.FieldViolation { Field = "text", Description = "must not be empty" } } }),
                Any.Pack(new ErrorInfo { Reason = "ORACLE", Domain = "meshproxy.test", Metadata = { ["asked"] = name } }),
            },
        };
        throw new RpcException(new global::Grpc.Core.Status((StatusCode)code, message), new Metadata { { "grpc-status-details-bin", status.ToByteArray() } });
    }
}
