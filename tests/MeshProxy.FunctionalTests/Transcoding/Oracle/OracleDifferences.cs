using System.Text.Json;
using static Xunit.Assert;

namespace MeshProxy.FunctionalTests.Transcoding.Oracle;

/// <summary>
/// Every case where the two transcoders answer differently, each with the README row that documents the choice and a
/// check of both answers (ours as the anchor says, theirs as Microsoft's does). A case listed here whose answers turn
/// out equal fails, so the table cannot go stale.
/// </summary>
internal static class OracleDifferences
{
    public static readonly IReadOnlyDictionary<string, KnownDifference> ByCase = Build();

    private static Dictionary<string, KnownDifference> Build()
    {
        var byCase = new Dictionary<string, KnownDifference>(StringComparer.Ordinal);
        void Add(string id, Action<OracleReply, OracleReply> assert, params string[] cases)
        {
            foreach (var name in cases)
            {
                byCase.Add(name, new KnownDifference(id, assert));
            }
        }

        // Server streams: grpc-gateway's NDJSON envelope on our side, bare concatenated objects on theirs; the messages
        // (and a final google.rpc.Status) must be the same once unwrapped.
        Add("stream-envelope", StreamEnvelope,
            "users-list-stream", "users-list-stream-all", "payments-transactions-stream", "payments-transactions-stream-empty", "library-watch-stream", "library-watch-stream-fails-midway", "test-ticks-stream",
            "test-ticks-stream-empty", "test-ticks-stream-fails-after-first");

        // Client and bidi streams: Microsoft does not bind them (it logs "Client and bidirectional streaming methods are not supported").
        Add("client-streaming", (ours, theirs) =>
        {
            // The streamed message reached the service: a reply, or the batch's own error naming its first charge.
            True(ours.IsJson);
            if (ours.Status != 200)
            {
                Equal(404, ours.Status);
                Equal("charge 0: Account 'acct-nope' not found.", ours.Json.GetProperty("message").GetString());
            }

            NoRoute(theirs);
        }, "users-sync-bidi", "payments-batch-client-stream", "payments-chat-bidi", "test-upload-stream-client-streaming");

        // Rules Microsoft refuses to bind (MicrosoftBindingFilter keeps its binder from failing the whole service).
        Add("scalar-body-field", (ours, theirs) =>
        {
            Equal(200, ours.Status);
            Equal("\"[hello]\"", ours.Body);
            NoRoute(theirs);
        }, "library-set-title-scalar-body");
        Add("double-star-then-literal", (ours, theirs) =>
        {
            Equal(200, ours.Status);
            NoRoute(theirs);
        }, "library-file-double-star-then-literal", "library-ping-wildcard", "library-ping-double-star-then-literal", "library-file-httpbody-response");

        // 404 and 405: a google.rpc.Status body on ours, an empty body on theirs; status and Allow agree.
        Add("routing-error-body", (ours, theirs) =>
        {
            Equal(theirs.Status, ours.Status);
            Equal(theirs.Allow, ours.Allow);
            Equal(ours.Status == 404 ? 5 : 12, ours.Json.GetProperty("code").GetInt32());
            Equal(string.Empty, theirs.Body);
            Null(theirs.MediaType);
        }, "route-unknown-path", "route-unknown-under-prefix", "route-method-not-allowed", "route-method-not-allowed-verb", "library-get-wrong-shape-404");

        Add("undeclared-verb", (ours, theirs) =>
        {
            Equal(405, ours.Status);
            Equal("GET", ours.Allow);
            NoRoute(theirs);
        }, "route-unknown-verb");

        Add("trailing-slash", (ours, theirs) =>
        {
            Equal(404, ours.Status);
            Equal(200, theirs.Status);
            Equal("u-1001", theirs.Json.GetProperty("userId").GetString());
        }, "route-trailing-slash");

        Add("case-sensitive-path", (ours, theirs) =>
        {
            Equal(404, ours.Status);
            Equal(200, theirs.Status);
        }, "route-case-sensitive-literal");

        Add("cancelled-499", (ours, theirs) =>
        {
            Equal(499, ours.Status);
            Equal(408, theirs.Status);
            Equal(ours.JsonValues, theirs.JsonValues);
        }, "status-CANCELLED");

        Add("single-segment-slash", (ours, theirs) =>
        {
            // The store names the id it was given in its error.
            Contains("u 1/x", ours.Body, StringComparison.Ordinal);
            DoesNotContain("%2F", ours.Body, StringComparison.Ordinal);
            Contains("u 1%2Fx", theirs.Body, StringComparison.Ordinal);
        }, "users-get-escaped-slash-id");

        Add("multi-segment-reserved", (ours, theirs) =>
        {
            Equal("shelves/s 1/books/b%3Ax%2By", ours.Json.GetProperty("name").GetString());
            Equal("shelves/s 1/books/b:x+y", theirs.Json.GetProperty("name").GetString());
        }, "library-get-multi-segment-reserved-escapes");

        Add("patch-field-mask", (ours, theirs) =>
        {
            Equal(200, ours.Status);
            Equal(200, theirs.Status);
            var oursMask = Mask(ours);
            NotEqual(string.Empty, oursMask);
            Equal(string.Empty, Mask(theirs));
        }, "library-update-patch-mask-unset");

        Add("field-mask-query-json-form", (ours, theirs) =>
        {
            if (ours.Status == 400)
            {
                // A proto-name path does not round-trip through the JSON form: ours refuses it, Microsoft keeps it.
                Equal(3, ours.Json.GetProperty("code").GetInt32());
                Equal(200, theirs.Status);
                Equal("fString", theirs.Json.GetProperty("wFieldMask").GetString());
            }
            else
            {
                // Everything echoes the mask itself: Microsoft kept the camelCase path, which its own formatter refuses.
                Equal(200, ours.Status);
                Equal("fInt32,fNested.a", ours.Json.GetProperty("wFieldMask").GetString());
                Equal(500, theirs.Status);
                Equal(2, theirs.Json.GetProperty("code").GetInt32());
            }
        }, "everything-query-field-mask-json-form", "everything-query-field-mask-proto-form");

        Add("map-query", (ours, theirs) =>
        {
            Equal(200, ours.Status);
            Equal(200, theirs.Status);
            NotEqual(ours.JsonValues, theirs.JsonValues);
            var theirsEcho = theirs.Json.ValueKind == JsonValueKind.Array ? theirs.Json[0].GetProperty("extra") : theirs.Json.GetProperty("metadata");
            Equal(0, theirsEcho.ValueKind == JsonValueKind.Array ? theirsEcho.GetArrayLength() : theirsEcho.EnumerateObject().Count());
        }, "library-search-map", "test-maps-query");

        Add("content-type-415", (ours, theirs) =>
        {
            Equal(415, ours.Status);
            Equal(3, ours.Json.GetProperty("code").GetInt32());
            Equal(400, theirs.Status);
            Equal(3, theirs.Json.GetProperty("code").GetInt32());
        }, "library-create-text-content-type");

        Add("json-without-content-type", (ours, theirs) =>
        {
            Equal(200, ours.Status);
            Equal("T", ours.Json.GetProperty("title").GetString());
            Equal(400, theirs.Status);
        }, "library-create-no-content-type");

        Add("empty-or-null-body", (ours, theirs) =>
        {
            Equal(200, ours.Status);
            False(ours.Json.GetProperty("extra").TryGetProperty("book", out _));
            Equal(400, theirs.Status);
            Equal(3, theirs.Json.GetProperty("code").GetInt32());
        }, "library-create-empty-body", "library-create-null-body");

        // ProtoJSON input forms Microsoft's reader refuses.
        Add("protojson-input-forms", (ours, theirs) =>
        {
            Equal(200, ours.Status);
            Equal(400, theirs.Status);
            Equal(3, theirs.Json.GetProperty("code").GetInt32());
        }, "everything-integer-exponent", "everything-negative-fractional-duration", "everything-query-bytes-urlsafe");

        Add("unknown-enum-ignored", (ours, theirs) =>
        {
            Equal(200, ours.Status);
            Equal("COLOR_UNSPECIFIED", ours.Json.GetProperty("fColor").GetString());
            Equal(400, theirs.Status);
        }, "everything-unknown-enum-name");

        Add("response-metadata-headers", (ours, theirs) =>
        {
            Equal(ours.JsonValues, theirs.JsonValues);
            Equal(["grpc-metadata-x-oracle-echo=in-headers", "grpc-metadata-x-oracle-trailer=in-trailers"], ours.MetadataHeaders);
            Equal(["x-oracle-echo=in-headers"], theirs.MetadataHeaders);
        }, "test-probe-echo-metadata");

        Add("httpbody-stream-chunks", (ours, theirs) =>
        {
            Equal("chunk-0\nchunk-1\n", ours.Body);
            Equal("chunk-0\n\nchunk-1\n\n", theirs.Body);
        }, "test-download-httpbody-stream");

        Add("httpbody-without-content-type", (ours, theirs) =>
        {
            Equal(ours.Body, theirs.Body);
            Equal("application/octet-stream", ours.MediaType);
            Null(theirs.MediaType);
        }, "test-upload-httpbody-no-content-type");

        return byCase;
    }

    /// <summary>The library service echoes the update mask it received in extra.updateMask.</summary>
    private static string Mask(OracleReply reply) =>
        reply.Json.GetProperty("extra").TryGetProperty("updateMask", out var updateMask) ? updateMask.GetString() ?? string.Empty : string.Empty;

    private static void NoRoute(OracleReply theirs)
    {
        Equal(404, theirs.Status);
        Equal(string.Empty, theirs.Body);
    }

    private static void StreamEnvelope(OracleReply ours, OracleReply theirs)
    {
        Equal(theirs.Status, ours.Status);
        Equal("application/x-ndjson", ours.MediaType);
        var lines = ours.Body.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var unwrapped = new List<string>();
        for (var i = 0; i < lines.Length; i++)
        {
            using var line = JsonDocument.Parse(lines[i]);
            var property = Single(line.RootElement.EnumerateObject());
            Equal(i == lines.Length - 1 && property.Name == "error" ? "error" : "result", property.Name);
            unwrapped.Add(OracleJson.Canonical(property.Value));
        }

        if (unwrapped.Count == 0)
        {
            Equal(string.Empty, theirs.Body);
            Null(theirs.MediaType);
            return;
        }

        Equal("application/json", theirs.MediaType);
        Equal(unwrapped, theirs.JsonValues);
    }
}
