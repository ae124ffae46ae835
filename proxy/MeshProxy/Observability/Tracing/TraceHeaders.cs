namespace MeshProxy.Observability.Tracing;

/// <summary>W3C Trace Context header names (https://www.w3.org/TR/trace-context/#traceparent-header).</summary>
internal static class TraceHeaders
{
    public const string TraceParent = "traceparent";
    public const string TraceState = "tracestate";

    /// <summary>
    /// The trace id of a traceparent value ("00-{32 hex trace id}-{16 hex parent id}-{2 hex flags}"), or null when the
    /// value is not one; for the access log when no span is recorded.
    /// </summary>
    public static string? TraceIdOf(string? traceparent)
    {
        if (traceparent is not { Length: >= 55 } || traceparent[2] != '-' || traceparent[35] != '-' || traceparent[52] != '-')
        {
            return null;
        }

        var id = traceparent.AsSpan(3, 32);
        foreach (var c in id)
        {
            if (!char.IsAsciiHexDigitLower(c))
            {
                return null;
            }
        }

        return id.ContainsAnyExcept('0') ? id.ToString() : null;
    }
}
