using Microsoft.Extensions.Primitives;

namespace MeshProxy.Transcoding.Rest;

/// <summary>How a server stream is written, chosen by the caller's Accept header.</summary>
internal enum RestStreamFormat
{
    /// <summary>Newline-delimited <c>{"result": ...}</c> lines and a final <c>{"error": ...}</c> on failure (grpc-gateway's format); the default.</summary>
    NdJson,

    /// <summary><c>Accept: text/event-stream</c>: Server-Sent Events, <c>data: {json}</c> per message, <c>event: error</c> on failure.</summary>
    ServerSentEvents,

    /// <summary><c>Accept: application/json</c>: one JSON array, written element by element.</summary>
    JsonArray,
}

/// <summary>Picks the <see cref="RestStreamFormat"/> for a request.</summary>
internal static class RestStreamFormats
{
    public const string EventStream = "text/event-stream";
    public const string NdJsonContentType = "application/x-ndjson";
    public const string Json = "application/json";

    /// <summary>An explicit event-stream or JSON media type wins; anything else (including */*) gets NDJSON.</summary>
    public static RestStreamFormat From(StringValues accept)
    {
        foreach (var value in accept)
        {
            if (value is null)
            {
                continue;
            }

            if (value.Contains(EventStream, StringComparison.OrdinalIgnoreCase))
            {
                return RestStreamFormat.ServerSentEvents;
            }

            if (value.Contains(Json, StringComparison.OrdinalIgnoreCase))
            {
                return RestStreamFormat.JsonArray;
            }
        }

        return RestStreamFormat.NdJson;
    }

    public static string ContentType(RestStreamFormat format) => format switch
    {
        RestStreamFormat.ServerSentEvents => EventStream,
        RestStreamFormat.JsonArray => "application/json; charset=utf-8",
        _ => NdJsonContentType,
    };
}
