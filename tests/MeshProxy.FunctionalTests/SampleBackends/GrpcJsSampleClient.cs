using System.Text.Json;
using MeshProxy.Samples.Inventory.V1;
using MeshProxy.Samples.Payments.V1;
using MeshProxy.Samples.Users.V1;
using MeshProxy.TestSupport;

namespace MeshProxy.FunctionalTests.SampleBackends;

/// <summary>
/// GrpcJs/client.js: @grpc/grpc-js calls every sample method (13, all four call kinds) against a backend or a sidecar
/// in front of one, and prints what it saw; <see cref="AssertEveryMethodAnswered"/> checks the results are the real ones.
/// </summary>
internal static class GrpcJsSampleClient
{
    /// <summary>The calls one run makes: GetUser three times, ReserveStock twice, every other method once.</summary>
    public const int Calls = 16;

    /// <summary>"/pkg.Svc/Method" of every sample method, read from the generated descriptors.</summary>
    public static readonly IReadOnlyList<string> Methods =
    [
        .. new[] { UserService.Descriptor, InventoryService.Descriptor, PaymentService.Descriptor }
            .SelectMany(service => service.Methods)
            .Select(method => $"/{method.Service.FullName}/{method.Name}"),
    ];

    public static async Task<JsonDocument> RunAsync(int port)
    {
        var nodeDirectory = await NodePeers.EnsureInstalledAsync().WaitAsync(TimeSpan.FromMinutes(6));
        var result = await ProcessRunner.RunAsync(
            "node",
            [RepoPaths.Combine("tests", "MeshProxy.FunctionalTests", "SampleBackends", "GrpcJs", "client.js"), $"127.0.0.1:{port}"],
            nodeDirectory,
            TimeSpan.FromMinutes(1),
            environment: new Dictionary<string, string> { ["NODE_PATH"] = Path.Combine(nodeDirectory, "node_modules") }).DefaultTimeout();
        Assert.True(result.ExitCode == 0, result.StandardError);
        return JsonDocument.Parse(result.StandardOutput);
    }

    /// <summary>Every call's outcome as the seeded data dictates; <paramref name="version"/> is the answering backend's label.</summary>
    public static void AssertEveryMethodAnswered(JsonElement root, string version)
    {
        // users.v1.UserService
        var getUser = root.GetProperty("getUser");
        Assert.Equal(0, getUser.GetProperty("code").GetInt32());
        Assert.Equal("Ada Lovelace", getUser.GetProperty("response").GetProperty("display_name").GetString());
        Assert.Equal("PLAN_ENTERPRISE", getUser.GetProperty("response").GetProperty("plan").GetString());
        Assert.Equal(version, getUser.GetProperty("version").GetString());
        var notFound = root.GetProperty("notFound");
        Assert.Equal(5, notFound.GetProperty("code").GetInt32());
        Assert.Equal("User 'u-missing' not found.", notFound.GetProperty("details").GetString());
        Assert.Equal(version, notFound.GetProperty("version").GetString());
        var created = Response(root, "createUser");
        Assert.StartsWith("u-", created.GetProperty("user_id").GetString(), StringComparison.Ordinal);
        Assert.Equal("js-new@example.com", created.GetProperty("email").GetString());
        Assert.True(created.TryGetProperty("create_time", out var createTime) && createTime.ValueKind == JsonValueKind.Object);
        Response(root, "deleteUser");
        Assert.Equal(5, root.GetProperty("deletedLookup").GetProperty("code").GetInt32());
        var updated = Response(root, "updateUser");
        Assert.Equal("From grpc-js", updated.GetProperty("display_name").GetString());
        Assert.Equal("alan@example.com", updated.GetProperty("email").GetString());
        Assert.Equal(["u-1002", "u-1004"], Items(root, "listUsers").Select(e => e.GetString()));
        Assert.Equal(
            ["u-js:False", "u-1005:True"],
            Items(root, "syncUsers").Select(e => $"{e.GetProperty("user_id").GetString()}:{e.GetProperty("deleted").GetBoolean()}"));

        // inventory.v1.InventoryService
        var stock = Response(root, "checkStock");
        Assert.Equal("sku-apple", stock.GetProperty("sku").GetString());
        Assert.True(stock.GetProperty("available").GetInt32() > 0);
        var reservation = Response(root, "reserveStock");
        Assert.Equal(("sku-banana", 2), (reservation.GetProperty("sku").GetString(), reservation.GetProperty("quantity").GetInt32()));
        Assert.False(string.IsNullOrEmpty(reservation.GetProperty("reservation_id").GetString()));
        var levels = Items(root, "inventoryUpdates");
        Assert.Equal(2, levels.Length);
        Assert.All(levels, level => Assert.Equal("sku-cherry", level.GetProperty("sku").GetString()));
        Assert.Equal(levels[0].GetProperty("available").GetInt32() - 1, levels[1].GetProperty("available").GetInt32());
        Assert.Equal(levels[0].GetProperty("reserved").GetInt32() + 1, levels[1].GetProperty("reserved").GetInt32());
        Assert.Equal(1, Response(root, "watchReservation").GetProperty("quantity").GetInt32());

        // payments.v1.PaymentService
        var charge = Response(root, "chargeCard");
        Assert.Equal("CHARGE_STATUS_SUCCEEDED", charge.GetProperty("status").GetString());
        Assert.Equal(("USD", "5"), (charge.GetProperty("amount").GetProperty("currency_code").GetString(), charge.GetProperty("amount").GetProperty("units").GetString()));
        Assert.Equal(["Pro plan, monthly", "Extra storage"], Items(root, "transactions").Select(e => e.GetString()));
        var summary = root.GetProperty("batch").GetProperty("summary");
        Assert.Equal((1, 1), (summary.GetProperty("succeeded").GetInt32(), summary.GetProperty("declined").GetInt32()));
        Assert.Equal("2", summary.GetProperty("total").GetProperty("units").GetString());
        var chat = Items(root, "chat");
        Assert.All(chat, e => Assert.Equal(("s-js", "support"), (e.GetProperty("session_id").GetString(), e.GetProperty("sender").GetString())));
        Assert.Equal(
            ["Hello! How can we help with your payments today?", "Refunds reach the card within 5 to 10 business days."],
            chat.Select(e => e.GetProperty("text").GetString()));
    }

    private static JsonElement Response(JsonElement root, string call)
    {
        var result = root.GetProperty(call);
        Assert.True(result.GetProperty("code").GetInt32() == 0, $"{call}: {result}");
        return result.GetProperty("response");
    }

    private static JsonElement[] Items(JsonElement root, string call)
    {
        var result = root.GetProperty(call);
        Assert.True(result.GetProperty("code").GetInt32() == 0, $"{call}: {result}");
        return [.. result.GetProperty("items").EnumerateArray()];
    }
}
