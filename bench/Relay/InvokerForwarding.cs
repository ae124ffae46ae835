using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace MeshProxy.Bench.Relay;

/// <summary>
/// The <c>invoker</c> mode: a call forwarded through an <see cref="HttpMessageInvoker"/> as YARP forwards it (an
/// HttpRequestMessage whose content copies the caller's body, the response's headers, body and trailers copied back),
/// but written for one unary gRPC shape: the body copied without a flush per read, so the answer leaves in one send
/// when it came in one read. Against <c>yarp</c> it is what YARP's forwarder costs; against <c>aspnet</c>, what the
/// HttpRequestMessage, HttpContent and Stream layer does.
/// </summary>
internal static class InvokerForwarding
{
    public static async Task ForwardAsync(HttpMessageInvoker client, string prefix, HttpContext context)
    {
        var request = context.Request;
        using var message = new HttpRequestMessage(HttpMethod.Post, prefix + request.Path.Value + request.QueryString.Value)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new StreamContent(request.Body),
        };
        foreach (var (name, values) in request.Headers)
        {
            if (name.Equals("Host", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (!message.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
            {
                message.Content.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        using var upstream = await client.SendAsync(message, context.RequestAborted).ConfigureAwait(false);
        var response = context.Response;
        response.StatusCode = (int)upstream.StatusCode;
        foreach (var (name, values) in upstream.Headers.NonValidated)
        {
            foreach (var value in values)
            {
                response.Headers.Append(name, value);
            }
        }

        foreach (var (name, values) in upstream.Content.Headers.NonValidated)
        {
            foreach (var value in values)
            {
                response.Headers.Append(name, value);
            }
        }

        var body = await upstream.Content.ReadAsStreamAsync(context.RequestAborted).ConfigureAwait(false);
        var writer = response.BodyWriter;
        int read;
        while ((read = await body.ReadAsync(writer.GetMemory(16 * 1024), context.RequestAborted).ConfigureAwait(false)) > 0)
        {
            writer.Advance(read);
        }

        var trailers = context.Features.GetRequiredFeature<IHttpResponseTrailersFeature>().Trailers;
        foreach (var (name, values) in upstream.TrailingHeaders.NonValidated)
        {
            foreach (var value in values)
            {
                trailers.Append(name, value);
            }
        }

        await response.CompleteAsync().ConfigureAwait(false);
    }
}
