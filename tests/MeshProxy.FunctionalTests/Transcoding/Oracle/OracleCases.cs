namespace MeshProxy.FunctionalTests.Transcoding.Oracle;

/// <summary>
/// The differential suite's requests: every google.api.http route of the sample and testing protos, the path, query
/// and body forms, every gRPC status, the transcoders' own refusals, and server streams.
/// </summary>
internal static class OracleCases
{
    /// <summary>google/rpc/code.proto, 1..16.</summary>
    public static readonly string[] Codes =
    [
        "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED",
        "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE",
        "DATA_LOSS", "UNAUTHENTICATED",
    ];

    private const string Everything = """
        {"fInt32": -7, "fInt64": "-9007199254740993", "fUint32": 4294967295, "fUint64": "18446744073709551615",
         "fSint32": -2147483648, "fSint64": "9223372036854775807", "fFixed32": 7, "fFixed64": "8", "fSfixed32": -9,
         "fSfixed64": "-10", "fFloat": 1.5, "fDouble": 2.25e-3, "fBool": true, "fString": "héllo \"quoted\" \u2603",
         "fBytes": "AQID/w==", "fColor": "COLOR_BLUE", "fLevel": "LEVEL_HIGH", "fNested": {"a": 1, "b": "x", "child": {"a": 2}},
         "rInt32": [1, -2, 3], "rInt64": ["4", "-5"], "rUint64": ["6"], "rFloat": [0.5, -1], "rDouble": [1e10, -0.25],
         "rBool": [true, false], "rString": ["a", ""], "rBytes": ["", "AA=="], "rColor": ["COLOR_RED", "COLOR_GREEN"],
         "rNested": [{"a": 1}, {}], "rUnpackedInt32": [9, 8], "rUnpackedColor": ["COLOR_BLUE"],
         "mInt32": {"-1": "neg", "2": "two"}, "mInt64": {"9007199254740993": 1}, "mBool": {"true": "yes", "false": "no"},
         "mString": {"k": {"a": 5}}, "mSint32": {"3": "COLOR_RED"}, "mUint64": {"1": 0.5}, "mFixed32": {"4": true},
         "oString": "chosen", "pInt32": 0, "pString": "", "pColor": "COLOR_UNSPECIFIED",
         "wTimestamp": "2024-02-29T23:59:59.123456789Z", "wDuration": "3.000001s", "wFieldMask": "fInt32,fNested.childField",
         "wStruct": {"n": 1, "s": "x", "b": false, "z": null, "l": [1, {"k": []}], "o": {}},
         "wValue": [1, "two", null], "wListValue": [{"a": 1}], "wNullValue": null, "wEmpty": {},
         "wDouble": 1.25, "wFloat": -2.5, "wInt64": "-64", "wUint64": "64", "wInt32": 0, "wUint32": 32, "wBool": false,
         "wString": "", "wBytes": "YWJj", "rTimestamp": ["1970-01-01T00:00:00Z", "2000-01-01T00:00:00.500Z"],
         "rValue": [1, "a", {"b": [true]}], "rWrappedInt32": [1, 2], "customName": 93}
        """;

    private const string EverythingAny = """
        {"wAny": {"@type": "type.googleapis.com/meshproxy.testing.v1.Small", "id": "s1", "amount": "12", "active": true, "color": "COLOR_GREEN"},
         "rAny": [{"@type": "type.googleapis.com/google.protobuf.Duration", "value": "1.5s"},
                  {"@type": "type.googleapis.com/google.protobuf.Struct", "value": {"a": 1}}]}
        """;

    public static IReadOnlyList<OracleCase> All { get; } = Build();

    // Both sides keep their own stores and see every case in the same order, so they stay alike whatever the order
    // of the cases. A case only one side serves (a known difference) must therefore change no state: the client
    // streams below delete a user that does not exist and charge an account that does not exist.
    private static List<OracleCase> Build()
    {
        List<OracleCase> cases =
        [
            // users.v1 (the sample backend's seeded store: u-1001..u-1005)
            new("users-get", "GET", "/v1/users/u-1001"),
            new("users-get-not-found-decoded-id", "GET", "/v1/users/u%201%3Ay%40z"),
            new("users-get-escaped-slash-id", "GET", "/v1/users/u%201%2Fx"),
            new("users-create", "POST", "/v1/users", """{"userId": "u-9", "displayName": "Nine", "email": "nine@example.com", "plan": "PLAN_FREE", "labels": {"a": "b"}, "storageBytes": 5}"""),
            new("users-create-proto-names", "POST", "/v1/users", """{"user_id": "u-10", "display_name": "Ten", "email": "ten@example.com", "plan": 3, "storage_bytes": "6"}"""),
            new("users-create-already-exists", "POST", "/v1/users", """{"userId": "u-1001", "email": "ada@example.com"}"""),
            new("users-create-missing-email", "POST", "/v1/users", """{"userId": "u-11"}"""),
            new("users-update-patch", "PATCH", "/v1/users/u-1002", """{"displayName": "New name", "labels": {"x": "y"}}"""),
            new("users-update-patch-proto-mask", "PATCH", "/v1/users/u-1003?update_mask=email", """{"userId": "other", "email": "c@d.e"}"""),
            new("users-delete", "DELETE", "/v1/users/u-1005"),
            new("users-delete-not-found", "DELETE", "/v1/users/u-nope"),
            new("users-list-stream", "GET", "/v1/users?page_size=2&plan=PLAN_PRO"),
            new("users-list-stream-all", "GET", "/v1/users"),
            new("users-list-stream-bad-page-size", "GET", "/v1/users?page_size=-1"),
            new("users-sync-bidi", "POST", "/v1/users:sync", """{"deleteUserId": "u-nope"}"""),

            // inventory.v1 (sku-apple 120, sku-banana 40, sku-cherry 5, sku-durian 0)
            new("inventory-check", "GET", "/v1/inventory/sku-apple"),
            new("inventory-check-not-found", "GET", "/v1/inventory/sku-nope"),
            new("inventory-reserve-verb", "POST", "/v1/inventory/sku-apple:reserve", """{"quantity": 2, "orderId": "o-1", "hold": "90.5s"}"""),
            new("inventory-reserve-invalid", "POST", "/v1/inventory/sku-apple:reserve", """{"quantity": 0}"""),
            new("inventory-reserve-too-many", "POST", "/v1/inventory/sku-cherry:reserve", """{"quantity": 50, "orderId": "o-2"}"""),
            new("inventory-reserve-path-over-body", "POST", "/v1/inventory/sku-banana:reserve", """{"sku": "sku-nope", "quantity": 1, "orderId": "o-3"}"""),
            new("inventory-watch-stream-refused", "GET", "/v1/inventory:watch?skus=sku-apple&max_updates=-1"),
            new("inventory-watch-stream-unknown-sku", "GET", "/v1/inventory:watch?skus=sku-apple&skus=sku-nope&max_updates=1"),

            // payments.v1 (acct-1001 with 4 EUR transactions, acct-1002 with 1 USD, acct-1003 none)
            new("payments-charge", "POST", "/v1/payments:charge", """{"idempotencyKey": "k1", "accountId": "acct-1001", "amount": {"currencyCode": "EUR", "units": "12", "nanos": 500000000}, "cardToken": "tok_visa", "description": "tea"}"""),
            new("payments-charge-declined", "POST", "/v1/payments:charge", """{"idempotencyKey": "k2", "accountId": "acct-1001", "amount": {"currencyCode": "EUR", "units": "1"}, "cardToken": "tok_declined"}"""),
            new("payments-charge-unknown-account", "POST", "/v1/payments:charge", """{"idempotencyKey": "k3", "accountId": "acct-nope", "amount": {"currencyCode": "EUR", "units": "1"}, "cardToken": "tok_visa"}"""),
            new("payments-charge-invalid", "POST", "/v1/payments:charge", """{"accountId": "acct-1001"}"""),
            new("payments-transactions-stream", "GET", "/v1/accounts/acct-1001/transactions?limit=3"),
            new("payments-transactions-stream-empty", "GET", "/v1/accounts/acct-1003/transactions"),
            new("payments-transactions-stream-fails-first", "GET", "/v1/accounts/acct-nope/transactions"),
            new("payments-batch-client-stream", "POST", "/v1/payments:batchCharge", """[{"idempotencyKey": "b1", "accountId": "acct-nope", "amount": {"currencyCode": "USD", "units": "3"}, "cardToken": "tok_visa"}]"""),
            new("payments-chat-bidi", "POST", "/v1/payments/chat", """{"sessionId": "s-1", "sender": "me", "text": "hi"}"""),

            // meshproxy.testing.v1.LibraryService: path templates
            new("library-get-nested-name", "GET", "/t/v1/shelves/s1/books/b1"),
            new("library-get-additional-binding-double-star", "GET", "/t/v1/by-name/a/b/c"),
            new("library-get-multi-segment-reserved-escapes", "GET", "/t/v1/shelves/s%201/books/b%3Ax%2By"),
            new("library-get-multi-segment-escapes", "GET", "/t/v1/by-name/a%2Fb/c%20d"),
            new("library-get-plus-in-path", "GET", "/t/v1/shelves/s+1/books/b"),
            new("library-get-escaped-percent", "GET", "/t/v1/shelves/s%25zz/books/b"),
            new("library-get-wrong-shape-404", "GET", "/t/v1/shelves/s1/books"),
            new("library-cancel-double-star-verb", "POST", "/t/v1/operations/a/b/c:cancel", """{"reason": "done"}"""),
            new("library-cancel-status", "POST", "/t/v1/operations/x:cancel", """{"reason": "status-ABORTED"}"""),
            new("library-file-double-star-then-literal", "GET", "/t/v1/files/docs/a/b.txt/content?revision=7"),
            new("library-ping-wildcard", "GET", "/t/v1/ping/anything/p-1"),
            new("library-ping-double-star-then-literal", "GET", "/t/v1/ping/x/y/z/last"),
            new("library-custom-method-options", "OPTIONS", "/t/v1/access/doc-1"),

            // query parameters
            new("library-search-scalars", "GET", "/t/v1/books:search?query=q&page_size=5&include_drafts=true&min_rating=4.5&big=18446744073709551615&cursor=AQID"),
            new("library-search-json-names", "GET", "/t/v1/books:search?pageSize=5&includeDrafts=true&minRating=-1.5"),
            new("library-search-repeated", "GET", "/t/v1/books:search?tags=a&tags=b&tags=c&ids=1&ids=-2"),
            new("library-search-enums", "GET", "/t/v1/books:search?genre=GENRE_HISTORY&genres=GENRE_FICTION&genres=2"),
            new("library-search-nested", "GET", "/t/v1/books:search?shelf.id=s1&shelf.theme=x%20y&example.author.address.city=Paris"),
            new("library-search-well-known", "GET", "/t/v1/books:search?after=2024-01-02T03:04:05.5Z&max_age=3.5s&read_mask=title,author.name&min_pages=7&author=ann&available=false"),
            new("library-search-oneof", "GET", "/t/v1/books:search?shelf_id=s9"),
            new("library-search-form-encoding", "GET", "/t/v1/books:search?query=a+b%26c%3Dd"),
            new("library-search-unknown-parameter", "GET", "/t/v1/books:search?query=q&nope=1"),
            new("library-search-repeated-singular", "GET", "/t/v1/books:search?query=first&query=second", TranscoderError: true),
            new("library-search-map", "GET", "/t/v1/books:search?labels[k]=v&genre_by_rank[1]=GENRE_FICTION"),
            new("library-search-bad-integer", "GET", "/t/v1/books:search?page_size=abc", TranscoderError: true),
            new("library-search-bad-enum", "GET", "/t/v1/books:search?genre=GENRE_NOPE", TranscoderError: true),
            new("library-search-message-parameter", "GET", "/t/v1/books:search?shelf=x", TranscoderError: true),
            new("library-search-status", "GET", "/t/v1/books:search?query=status-OUT_OF_RANGE"),

            // bodies
            new("library-create-body-field", "POST", "/t/v1/shelves/s1/books?request_id=r-1", """{"title": "T", "genre": "GENRE_FICTION", "author": {"name": "A", "address": {"city": "C"}}, "tags": ["x", "y"], "publishTime": "2024-01-02T03:04:05.500Z", "labels": {"k": "v"}, "pages": "12", "extra": {"a": [1, "b", null, true]}}"""),
            new("library-create-json-charset", "POST", "/t/v1/shelves/s1/books", """{"title": "T"}""", "application/json; charset=utf-8"),
            new("library-create-plus-json", "POST", "/t/v1/shelves/s1/books", """{"title": "T"}""", "application/merge-patch+json"),
            new("library-create-no-content-type", "POST", "/t/v1/shelves/s1/books", """{"title": "T"}""", null),
            new("library-create-text-content-type", "POST", "/t/v1/shelves/s1/books", """{"title": "T"}""", "text/plain", TranscoderError: true),
            new("library-create-empty-body", "POST", "/t/v1/shelves/s1/books", string.Empty),
            new("library-create-null-body", "POST", "/t/v1/shelves/s1/books", "null"),
            new("library-create-malformed-json", "POST", "/t/v1/shelves/s1/books", """{"title": """, TranscoderError: true),
            new("library-create-wrong-type", "POST", "/t/v1/shelves/s1/books", """{"pages": "many"}""", TranscoderError: true),
            new("library-create-unknown-field", "POST", "/t/v1/shelves/s1/books", """{"title": "T", "nope": 1}"""),
            new("library-create-array-body", "POST", "/t/v1/shelves/s1/books", """[1, 2]""", TranscoderError: true),
            new("library-create-trailing-garbage", "POST", "/t/v1/shelves/s1/books", """{"title": "T"} x""", TranscoderError: true),
            new("library-update-patch-mask-unset", "PATCH", "/t/v1/shelves/s1/books/b1", """{"title": "New", "author": {"name": "N"}}"""),
            new("library-update-patch-mask-given", "PATCH", "/t/v1/shelves/s1/books/b1?update_mask=title", """{"title": "New"}"""),
            new("library-update-shelf-body-star", "PATCH", "/t/v1/shelves/7", """{"theme": "t", "labels": {"a": "b"}, "metadata": {"x": 1}, "curator": {"name": "c"}, "mask": "theme"}"""),
            new("library-update-shelf-body-star-query-ignored", "PATCH", "/t/v1/shelves/7?theme=from-query", """{"mask": "theme"}"""),
            new("library-set-tags-repeated-body", "PUT", "/t/v1/shelves/s/books/b/tags", """["a", "b"]"""),
            new("library-set-title-scalar-body", "PUT", "/t/v1/shelves/s/books/b/title", "\"hello\""),
            new("library-set-metadata-struct-body", "PUT", "/t/v1/shelves/s/metadata", """{"a": 1, "b": {"c": [true, null]}}"""),
            new("library-set-metadata-value-body", "PUT", "/t/v1/shelves/s/value", "3.5"),
            new("library-set-metadata-list-body", "PUT", "/t/v1/shelves/s/list", """[1, "x", null]"""),
            new("library-upload-httpbody-field", "PUT", "/t/v1/uploads/dir/f.bin?overwrite=false", "raw bytes", "application/octet-stream"),
            new("library-upload-httpbody-field-ok", "PUT", "/t/v1/uploads/dir/f.bin?overwrite=true", "raw bytes", "application/octet-stream"),
            new("library-echo-raw-httpbody", "POST", "/t/v1/raw", "a,b\n1,2\n", "text/csv"),
            new("library-file-httpbody-response", "GET", "/t/v1/files/a.txt/content"),
            new("library-search-response-body", "GET", "/t/v1/books:search?query=rb"),
            new("library-watch-stream", "GET", "/t/v1/books:watch?page_size=3&query=w"),
            new("library-watch-stream-fails-midway", "GET", "/t/v1/books:watch?query=fail-RESOURCE_EXHAUSTED"),

            // EverythingService: every ProtoJSON field kind
            new("everything-body-star", "POST", "/t/v1/everything", Everything),
            new("everything-any", "POST", "/t/v1/everything", EverythingAny),
            new("everything-empty-object", "POST", "/t/v1/everything", "{}"),
            new("everything-int64-as-number", "POST", "/t/v1/everything", """{"fInt64": 123, "fUint64": 456}"""),
            new("everything-integer-exponent", "POST", "/t/v1/everything", """{"fUint64": 1e3, "fInt32": 2.0}"""),
            new("everything-negative-fractional-duration", "POST", "/t/v1/everything", """{"wDuration": "-3.000001s"}"""),
            new("everything-float-special", "POST", "/t/v1/everything", """{"fFloat": "NaN", "fDouble": "-Infinity", "rDouble": ["Infinity", 1]}"""),
            new("everything-enum-number", "POST", "/t/v1/everything", """{"fColor": 2, "rColor": [1, 99]}"""),
            new("everything-null-fields", "POST", "/t/v1/everything", """{"fInt32": null, "fNested": null, "wValue": null, "wInt32": null}"""),
            new("everything-path-variables", "GET", "/t/v1/everything/str/-42/COLOR_RED"),
            new("everything-path-enum-number", "GET", "/t/v1/everything/str/42/1"),
            new("everything-path-bad-int64", "GET", "/t/v1/everything/str/x/COLOR_RED", TranscoderError: true),
            new("everything-body-field-response-body", "PUT", "/t/v1/everything/from-path", """{"a": 5, "b": "from-body", "child": {"a": 6}}"""),
            new("everything-query-wkt-wrappers", "GET", "/t/v1/everything/s/1/COLOR_RED?wInt64=-64&wBool=true&wString=x&wBytes=YWJj&wDouble=0.5&wTimestamp=2024-01-01T00:00:00Z&wDuration=1s"),
            new("everything-query-field-mask-json-form", "GET", "/t/v1/everything/s/1/COLOR_RED?wFieldMask=fInt32,fNested.a"),
            new("everything-query-field-mask-proto-form", "GET", "/t/v1/everything/s/1/COLOR_RED?wFieldMask=f_string"),
            new("everything-query-bytes-urlsafe", "GET", "/t/v1/everything/s/1/COLOR_RED?fBytes=-_8"),
            new("everything-query-float-special", "GET", "/t/v1/everything/s/1/COLOR_RED?fFloat=NaN&fDouble=-Infinity"),
            new("everything-bad-bytes", "POST", "/t/v1/everything", """{"fBytes": "!!"}""", TranscoderError: true),
            new("everything-bad-timestamp", "POST", "/t/v1/everything", """{"wTimestamp": "yesterday"}""", TranscoderError: true),
            new("everything-int32-overflow", "POST", "/t/v1/everything", """{"fInt32": 2147483648}""", TranscoderError: true),
            new("everything-unknown-enum-name", "POST", "/t/v1/everything", """{"fColor": "COLOR_PURPLE"}""", TranscoderError: true),
            new("everything-duplicate-oneof", "POST", "/t/v1/everything", """{"oString": "a", "oInt32": 1}""", TranscoderError: true),
            new("everything-crash", "POST", "/t/v1/everything", """{"fString": "crash"}"""),

            // TranscodingTestService
            new("test-probe-echo-metadata", "POST", "/v1/test/probe/echo", """{"text": "hi", "number": "5"}""") { Headers = [("x-oracle-a", "1"), ("x-oracle-b", "two")] },
            new("test-probe-status-details", "POST", "/v1/test/probe/details-INVALID_ARGUMENT", "{}"),
            new("test-upload-httpbody", "POST", "/v1/test/upload", "abc", "text/plain"),
            new("test-upload-httpbody-no-content-type", "POST", "/v1/test/upload", "abc", null),
            new("test-download-httpbody-stream", "GET", "/v1/test/download/r1?count=2"),
            new("test-items-repeated-response-body", "GET", "/v1/test/items?text=z"),
            new("test-ticks-stream", "GET", "/v1/test/ticks/r2?count=3"),
            new("test-ticks-stream-empty", "GET", "/v1/test/ticks/r3"),
            new("test-ticks-stream-fails-before-first", "GET", "/v1/test/ticks/status-UNAVAILABLE?count=2"),
            new("test-ticks-stream-fails-after-first", "GET", "/v1/test/ticks/fail-ABORTED?count=3"),
            new("test-maps-query", "GET", "/v1/test/maps?labels[a]=1&labels[b.c]=2&ranks[3]=x&text=t"),
            new("test-upload-stream-client-streaming", "POST", "/v1/test/upload-stream", "bytes", "application/octet-stream"),

            // routing refusals
            new("route-unknown-path", "GET", "/nope/nothing"),
            new("route-unknown-under-prefix", "GET", "/t/v1/nothing/here"),
            new("route-method-not-allowed", "POST", "/v1/users/u-1001", "{}"),
            new("route-method-not-allowed-verb", "DELETE", "/t/v1/books:search"),
            new("route-unknown-verb", "POST", "/v1/inventory/sku-apple:explode", "{}"),
            new("route-trailing-slash", "GET", "/v1/users/u-1001/"),
            new("route-case-sensitive-literal", "GET", "/V1/USERS/u-1001"),
        ];

        // Every gRPC code from the service, unary and (before the first message) streamed.
        foreach (var code in Codes)
        {
            cases.Add(new OracleCase($"status-{code}", "GET", $"/t/v1/shelves/s/books/status-{code}"));
        }

        cases.Add(new OracleCase("status-UNKNOWN-from-exception", "GET", "/t/v1/shelves/s/books/crash"));
        cases.Add(new OracleCase("status-details-NOT_FOUND", "GET", "/t/v1/shelves/s/books/details-NOT_FOUND"));
        return cases;
    }
}
