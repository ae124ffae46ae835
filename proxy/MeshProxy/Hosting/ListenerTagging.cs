using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;

namespace MeshProxy.Hosting;

/// <summary>
/// Separates the listeners of a Kestrel server. Each ListenOptions gets connection middleware that stamps the
/// connection with its listener name; the request dispatcher reads it back from the connection items. Unlike
/// <c>RequireHost("*:port")</c> or comparing local ports this needs no port number, so ephemeral ports (tests) and
/// wildcard addresses work. The sidecar runs two servers (traffic: gRPC and REST; control: ops and admin, which must
/// outlive a drain) over one DI container.
/// </summary>
internal static class ListenerTagging
{
    private static readonly object Key = new();

    public static void Tag(IConnectionBuilder listen, ListenerName name) =>
        listen.Use(next => connection =>
        {
            connection.Items[Key] = name;
            return next(connection);
        });

    public static ListenerName? Of(HttpContext context) =>
        context.Features.Get<IConnectionItemsFeature>()?.Items.TryGetValue(Key, out var value) == true && value is ListenerName name
            ? name
            : null;
}
