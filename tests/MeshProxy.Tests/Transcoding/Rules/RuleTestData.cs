using System.Buffers;
using System.Text;
using Google.Protobuf;
using MeshProxy.Transcoding.Rules;
using Microsoft.AspNetCore.Http;

namespace MeshProxy.Tests.Transcoding.Rules;

/// <summary>Rule tables over the protos project's descriptor set, and a request helper.</summary>
internal static class RuleTestData
{
    private static readonly Lazy<HttpRuleTable> LazySamples = new(() => BuildOrThrow(new HttpRuleOptions
    {
        Services = ["users.v1.UserService", "inventory.v1.InventoryService", "payments.v1.PaymentService"],
    }));

    /// <summary>The users, inventory and payments services.</summary>
    public static HttpRuleTable Samples => LazySamples.Value;

    public static HttpRuleTable BuildOrThrow(HttpRuleOptions options)
    {
        var table = HttpRuleTableBuilder.Build(CodecTestData.Pool, options, out var errors);
        Assert.Empty(errors);
        return table;
    }

    /// <summary>Matches and builds; returns the message or the build error.</summary>
    public static (T? Message, RequestBuildError? Error) Request<T>(
        HttpRuleTable table, string method, string pathAndQuery, string? body = null, string? contentType = null, RequestBuildOptions? options = null)
        where T : class, IMessage<T>, new()
    {
        var (message, error) = RequestBytes(table, method, pathAndQuery, body is null ? [] : Encoding.UTF8.GetBytes(body), contentType, options);
        if (error is not null)
        {
            return (null, error);
        }

        var parsed = new MessageParser<T>(() => new T()).ParseFrom(message);
        return (parsed, null);
    }

    public static (byte[] Message, RequestBuildError? Error) RequestBytes(
        HttpRuleTable table, string method, string pathAndQuery, byte[] body, string? contentType = null, RequestBuildOptions? options = null)
    {
        var q = pathAndQuery.IndexOf('?', StringComparison.Ordinal);
        var path = q < 0 ? pathAndQuery : pathAndQuery[..q];
        var query = q < 0 ? QueryString.Empty : new QueryString(pathAndQuery[q..]);
        var match = table.Match(method, path);
        Assert.True(match.Kind == RuleMatchKind.Matched, $"{method} {path}: {match.Kind}");
        var output = new ArrayBufferWriter<byte>();
        var error = RequestMessageBuilder.Build(
            match.Binding!, match.Variables, query, new ReadOnlySequence<byte>(body), contentType, options ?? RequestBuildOptions.Default, output);
        if (error is not null)
        {
            Assert.Equal(0, output.WrittenCount);
        }

        return (output.WrittenSpan.ToArray(), error);
    }
}
