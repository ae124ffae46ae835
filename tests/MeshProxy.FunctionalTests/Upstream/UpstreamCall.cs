using System.Net.Http.Headers;
using MeshProxy.FunctionalTests.Infrastructure;
using MeshProxy.Grpc;
using MeshProxy.TestSupport;

namespace MeshProxy.FunctionalTests.Upstream;

/// <summary>
/// One gRPC call over h2c to the sidecar, routed to one client's cluster by <see cref="UpstreamClients.Header"/>, read
/// to its end whatever happens (a reset keeps the bytes that came before it) and returned as a <see cref="CallOutcome"/>.
/// </summary>
internal static class UpstreamCall
{
    public const string Method = "/users.v1.UserService/GetUser";

    /// <param name="http">An HTTP/2 client (e.g. <see cref="GrpcHttp.CreateClient"/>).</param>
    /// <param name="proxy">The sidecar's gRPC listener.</param>
    /// <param name="client">Whose cluster: <see cref="UpstreamClients.Sockets"/> or <see cref="UpstreamClients.Lean"/>.</param>
    /// <param name="body">The request body (gRPC frames); one empty message by default.</param>
    /// <param name="headers">More request headers.</param>
    /// <param name="method">The :path.</param>
    /// <param name="cancellationToken">Cancels the call (an RST_STREAM to the sidecar).</param>
    /// <param name="received">Sees the response as soon as its headers arrive (e.g. reads a header the outcome leaves out).</param>
    public static async Task<CallOutcome> SendAsync(
        HttpClient http,
        Uri proxy,
        string client,
        HttpContent? body = null,
        IEnumerable<(string Name, string Value)>? headers = null,
        string method = Method,
        CancellationToken cancellationToken = default,
        Action<HttpResponseMessage>? received = null)
    {
        using var request = GrpcHttp.UnaryRequest(proxy, method, [UpstreamClients.Pick(client), .. headers ?? []]);
        if (body is not null)
        {
            request.Content = body;
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(GrpcProtocol.ContentType);
        }

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).DefaultTimeout();
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException)
        {
            return CallOutcome.NoResponse(ex);
        }

        using (response)
        {
            received?.Invoke(response);
            using var bytes = new MemoryStream();
            string? failure = null;
            try
            {
                await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).DefaultTimeout();
                await stream.CopyToAsync(bytes, cancellationToken).DefaultTimeout();
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException)
            {
                failure = CallOutcome.Describe(ex);
            }

            return CallOutcome.From(response, bytes.ToArray(), failure, client);
        }
    }

    /// <summary>A request body of the given messages, each framed, sent at once.</summary>
    public static ByteArrayContent Messages(params byte[][] payloads) => new([.. payloads.SelectMany(p => GrpcFrames.Frame(p))]);
}
