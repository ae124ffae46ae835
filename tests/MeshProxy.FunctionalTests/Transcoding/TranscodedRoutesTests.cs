using System.Net;
using System.Text;
using System.Text.Json;
using MeshProxy.TestSupport;

namespace MeshProxy.FunctionalTests.Transcoding;

/// <summary>Every REST route of the sample services, called over HTTP/1.1 through the sidecar's REST listener.</summary>
[Collection(TranscodingStackCollection.Name)]
public sealed class TranscodedRoutesTests(TranscodingStackFixture stack)
{
    private RestClient Rest => stack.Rest;

    [Fact]
    public async Task GetUser_ExistingId_ReturnsProtoJsonWithDefaultsAndInt64AsString()
    {
        using var response = await Rest.SendAsync(HttpMethod.Get, "/v1/users/u-1002").DefaultTimeout();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var json = await ReadJsonAsync(response);
        var user = json.RootElement;
        Assert.Equal("u-1002", user.GetProperty("userId").GetString());
        Assert.Equal("Grace Hopper", user.GetProperty("displayName").GetString());
        Assert.Equal("PLAN_PRO", user.GetProperty("plan").GetString());
        Assert.Equal("10485760", user.GetProperty("storageBytes").GetString());
        Assert.Equal("compilers", user.GetProperty("labels").GetProperty("team").GetString());
    }

    [Fact]
    public async Task CreateUser_BodyField_CreatesAndReturnsTheUser()
    {
        using var response = await Rest.SendAsync(HttpMethod.Post, "/v1/users", """{"display_name": "Barbara Liskov", "email": "barbara@example.com", "plan": "PLAN_ENTERPRISE"}""").DefaultTimeout();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = await ReadJsonAsync(response);
        Assert.Equal("Barbara Liskov", json.RootElement.GetProperty("displayName").GetString());
        Assert.False(string.IsNullOrEmpty(json.RootElement.GetProperty("userId").GetString()));
    }

    [Fact]
    public async Task UpdateUser_PatchWithPathField_UpdatesOnlyTheSentFields()
    {
        using var response = await Rest.SendAsync(HttpMethod.Patch, "/v1/users/u-1005", """{"displayName": "E. W. Dijkstra"}""").DefaultTimeout();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = await ReadJsonAsync(response);
        Assert.Equal("u-1005", json.RootElement.GetProperty("userId").GetString());
        Assert.Equal("E. W. Dijkstra", json.RootElement.GetProperty("displayName").GetString());
        Assert.Equal("edsger@example.com", json.RootElement.GetProperty("email").GetString());
    }

    [Fact]
    public async Task DeleteUser_UnknownId_Is404WithStatusBody()
    {
        using var response = await Rest.SendAsync(HttpMethod.Delete, "/v1/users/u-nobody").DefaultTimeout();

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        using var json = await ReadJsonAsync(response);
        Assert.Equal(5, json.RootElement.GetProperty("code").GetInt32());
        Assert.Contains("u-nobody", json.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Array, json.RootElement.GetProperty("details").ValueKind);
    }

    [Fact]
    public async Task DeleteUser_CreatedUser_ReturnsEmptyObject()
    {
        using var created = await Rest.SendAsync(HttpMethod.Post, "/v1/users", """{"displayName": "Temp", "email": "temp@example.com"}""").DefaultTimeout();
        using var createdJson = await ReadJsonAsync(created);
        var id = createdJson.RootElement.GetProperty("userId").GetString();

        using var response = await Rest.SendAsync(HttpMethod.Delete, $"/v1/users/{id}").DefaultTimeout();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("{}", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ListUsers_ServerStreamWithQuery_WritesNdJsonResultLines()
    {
        using var response = await Rest.SendAsync(HttpMethod.Get, "/v1/users?plan=PLAN_PRO").DefaultTimeout();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["u-1002", "u-1004"], lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("result").GetProperty("userId").GetString()));
    }

    [Fact]
    public async Task SyncUsers_BidiWithNdJsonBody_AnswersEachChange()
    {
        var body = """
            {"upsert": {"userId": "u-sync-1", "displayName": "Sync One", "email": "one@example.com"}}
            {"deleteUserId": "u-sync-1"}
            """;
        using var response = await Rest.SendAsync(HttpMethod.Post, "/v1/users:sync", RestClient.Json(body, "application/x-ndjson"), HttpCompletionOption.ResponseContentRead, ("Accept", "application/json")).DefaultTimeout();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = await ReadJsonAsync(response);
        var results = json.RootElement.EnumerateArray().ToArray();
        Assert.Equal(2, results.Length);
        Assert.Equal("Sync One", results[0].GetProperty("user").GetProperty("displayName").GetString());
        Assert.True(results[1].GetProperty("deleted").GetBoolean());
    }

    [Fact]
    public async Task CheckStock_PathVariable_ReturnsTheLevel()
    {
        using var response = await Rest.SendAsync(HttpMethod.Get, "/v1/inventory/sku-cherry").DefaultTimeout();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = await ReadJsonAsync(response);
        Assert.Equal("sku-cherry", json.RootElement.GetProperty("sku").GetString());
        Assert.Equal(5, json.RootElement.GetProperty("available").GetInt32() + json.RootElement.GetProperty("reserved").GetInt32());
    }

    [Fact]
    public async Task ReserveStock_BodyStarWithPathVariable_Reserves()
    {
        using var response = await Rest.SendAsync(HttpMethod.Post, "/v1/inventory/sku-apple:reserve", """{"quantity": 2, "orderId": "o-1", "hold": "60s"}""").DefaultTimeout();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = await ReadJsonAsync(response);
        Assert.Equal("sku-apple", json.RootElement.GetProperty("sku").GetString());
        Assert.Equal(2, json.RootElement.GetProperty("quantity").GetInt32());
    }

    [Fact]
    public async Task StreamInventoryUpdates_JsonArrayAccept_WritesOneArrayAsChangesHappen()
    {
        using var response = await Rest.SendAsync(HttpMethod.Get, "/v1/inventory:watch?maxUpdates=1&skus=sku-banana", null, HttpCompletionOption.ResponseHeadersRead, ("Accept", "application/json")).DefaultTimeout();

        // The headers came with the current level, while the stream waits for a change that has not happened yet.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var reserved = await Rest.SendAsync(HttpMethod.Post, "/v1/inventory/sku-banana:reserve", """{"quantity": 1}""").DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, reserved.StatusCode);

        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync().DefaultTimeout());
        var levels = json.RootElement.EnumerateArray().ToArray();
        Assert.Equal(2, levels.Length);
        Assert.All(levels, e => Assert.Equal("sku-banana", e.GetProperty("sku").GetString()));
        Assert.Equal(levels[0].GetProperty("reserved").GetInt32() + 1, levels[1].GetProperty("reserved").GetInt32());
    }

    [Fact]
    public async Task ChargeCard_BodyStar_ReturnsTheCharge()
    {
        using var response = await Rest.SendAsync(HttpMethod.Post, "/v1/payments:charge", """{"idempotencyKey": "k-rest-1", "accountId": "acct-1003", "amount": {"currencyCode": "EUR", "units": "12", "nanos": 500000000}, "cardToken": "tok_visa"}""").DefaultTimeout();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = await ReadJsonAsync(response);
        Assert.Equal("CHARGE_STATUS_SUCCEEDED", json.RootElement.GetProperty("status").GetString());
        Assert.Equal("12", json.RootElement.GetProperty("amount").GetProperty("units").GetString());
    }

    [Fact]
    public async Task StreamTransactions_EventStreamAccept_WritesServerSentEvents()
    {
        using var response = await Rest.SendAsync(HttpMethod.Get, "/v1/accounts/acct-1001/transactions?limit=3", null, ("Accept", "text/event-stream")).DefaultTimeout();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = (await response.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, events.Length);
        Assert.All(events, e => Assert.Equal("acct-1001", JsonDocument.Parse(e["data: ".Length..]).RootElement.GetProperty("accountId").GetString()));
    }

    [Fact]
    public async Task BatchCharge_TenThousandNdJsonLines_SummarisesEveryMessage()
    {
        const int Count = 10_000;
        var body = new StringBuilder();
        for (var i = 0; i < Count; i++)
        {
            body.Append("{\"idempotencyKey\":\"batch-").Append(i).Append("\",\"accountId\":\"acct-1002\",\"amount\":{\"currencyCode\":\"USD\",\"units\":\"1\"},\"cardToken\":\"")
                .Append(i % 100 == 0 ? "tok_declined" : "tok_visa").Append("\"}\n");
        }

        using var response = await Rest.SendAsync(HttpMethod.Post, "/v1/payments:batchCharge", RestClient.Json(body.ToString(), "application/x-ndjson"), HttpCompletionOption.ResponseContentRead).DefaultTimeout();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = await ReadJsonAsync(response);
        Assert.Equal(Count - Count / 100, json.RootElement.GetProperty("succeeded").GetInt32());
        Assert.Equal(Count / 100, json.RootElement.GetProperty("declined").GetInt32());
    }

    [Fact]
    public async Task PaymentChat_BidiWithJsonArrayBody_StreamsReplies()
    {
        var body = """[{"sessionId": "s-1", "sender": "me", "text": "hello"}, {"sessionId": "s-1", "sender": "me", "text": "bye"}]""";

        using var response = await Rest.SendAsync(HttpMethod.Post, "/v1/payments/chat", RestClient.Json(body), HttpCompletionOption.ResponseContentRead).DefaultTimeout();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEmpty(lines);
        Assert.All(lines, l => Assert.Equal("s-1", JsonDocument.Parse(l).RootElement.GetProperty("result").GetProperty("sessionId").GetString()));
    }

    internal static async Task<JsonDocument> ReadJsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync());
}
