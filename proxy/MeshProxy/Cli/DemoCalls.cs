using System.Text;

namespace MeshProxy.Cli;

/// <summary>
/// The calls <c>meshproxy demo</c> prints, kept in one list so the functional tests run exactly what a user pastes.
/// They use <c>meshproxy call</c> because grpcurl may not be installed where the demo runs.
/// </summary>
internal static class DemoCalls
{
    public static IReadOnlyList<DemoCall> All { get; } =
    [
        new("Get a user (90% v1, 10% v2)",
            "users.v1.UserService/GetUser",
            ["-d", """{"userId":"u-1001"}"""],
            ["\"displayName\": \"Ada Lovelace\""],
            []),
        new("The same pinned to v2 by the canary header; -v shows x-backend-version",
            "users.v1.UserService/GetUser",
            ["-v", "-H", "x-canary: true", "-d", """{"userId":"u-1001"}"""],
            ["\"displayName\": \"Ada Lovelace\""],
            ["x-backend-version: v2"]),
        new("Stream the users on the PRO plan",
            "users.v1.UserService/ListUsers",
            ["-d", """{"plan":"PLAN_PRO"}"""],
            ["\"displayName\": \"Grace Hopper\"", "\"displayName\": \"Katherine Johnson\""],
            []),
        new("Check the stock of a seeded SKU",
            "inventory.v1.InventoryService/CheckStock",
            ["-d", """{"sku":"sku-apple"}"""],
            ["\"sku\": \"sku-apple\"", "\"available\": 120"],
            []),
        new("Charge a card",
            "payments.v1.PaymentService/ChargeCard",
            ["-d", """{"idempotencyKey":"demo-charge-1","accountId":"acct-1003","amount":{"currencyCode":"EUR","units":"25"},"cardToken":"tok_visa"}"""],
            ["\"status\": \"CHARGE_STATUS_SUCCEEDED\"", "\"units\": \"25\""],
            []),
        new("Charge a batch by client streaming (tok_declined is always declined)",
            "payments.v1.PaymentService/BatchCharge",
            ["-d", """[{"idempotencyKey":"demo-batch-1","accountId":"acct-1003","amount":{"currencyCode":"EUR","units":"5"},"cardToken":"tok_visa"},{"idempotencyKey":"demo-batch-2","accountId":"acct-1003","amount":{"currencyCode":"EUR","units":"7"},"cardToken":"tok_declined"}]"""],
            ["\"succeeded\": 1", "\"declined\": 1"],
            []),
    ];

    /// <summary>The REST/JSON calls the demo prints as curl lines (the same methods through the REST listener).</summary>
    public static IReadOnlyList<RestDemoCall> Rest { get; } =
    [
        new("REST: get a user (same route, same 90/10 split); -i shows grpc-metadata-x-backend-version",
            "GET",
            "/v1/users/u-1001",
            null,
            ["-i"],
            ["\"displayName\":\"Ada Lovelace\"", "grpc-metadata-x-backend-version: v"]),
        new("REST: stream the PRO users as newline-delimited JSON",
            "GET",
            "/v1/users?plan=PLAN_PRO",
            null,
            [],
            ["{\"result\":{\"userId\":\"u-1002\"", "{\"result\":{\"userId\":\"u-1004\""]),
        new("REST: reserve stock (body \"*\" plus the path's {sku})",
            "POST",
            "/v1/inventory/sku-apple:reserve",
            """{"quantity":2,"orderId":"demo-order-1"}""",
            [],
            ["\"sku\":\"sku-apple\"", "\"quantity\":2"]),
        new("REST: an unknown user is HTTP 404 with a google.rpc.Status body",
            "GET",
            "/v1/users/u-0000",
            null,
            [],
            ["\"code\":5"]),
    ];

    /// <summary>One curl line to paste into a POSIX shell.</summary>
    public static string Format(RestDemoCall call, string authority) =>
        "curl " + string.Join(' ', call.Arguments(authority).Select(Quote));

    /// <summary>How to start this executable from a shell: its apphost (or the Native AOT executable), or <c>dotnet meshproxy.dll</c> under dotnet.</summary>
    /// <remarks>The assembly's path comes from the app folder, not <c>Assembly.Location</c>, which is empty in a Native AOT or single-file build (IL3000).</remarks>
    public static string CommandPrefix() =>
        CommandPrefix(Environment.ProcessPath, Path.Combine(AppContext.BaseDirectory, "meshproxy.dll"));

    internal static string CommandPrefix(string? processPath, string assemblyPath)
    {
        if (processPath is null || Path.GetFileNameWithoutExtension(processPath).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            return "dotnet " + Quote(assemblyPath);
        }

        return Quote(processPath);
    }

    /// <summary>One line to paste into a POSIX shell.</summary>
    public static string Format(DemoCall call, string prefix, string authority) =>
        prefix + " call " + string.Join(' ', call.Arguments(authority).Select(Quote));

    /// <summary>Single-quotes a word for a POSIX shell unless it is plainly safe.</summary>
    internal static string Quote(string word)
    {
        if (word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' or '/' or ':' or '@' or '=' or ','))
        {
            return word;
        }

        return new StringBuilder("'").Append(word.Replace("'", "'\\''", StringComparison.Ordinal)).Append('\'').ToString();
    }
}
