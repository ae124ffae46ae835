using System.Globalization;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using MeshProxy.SampleBackends.Calls;
using MeshProxy.SampleBackends.Faults;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace MeshProxy.SampleBackends.Hosting;

/// <summary>
/// Runs after routing and before every endpoint: stamps x-backend-version on the reply, records the call and selects
/// its fault. A method grpc-dotnet serves gets the fault from <see cref="FaultInterceptor"/>, inside the call; a method
/// no service has (grpc-dotnet would answer UNIMPLEMENTED) gets it here, so faults and counts cover every gRPC path.
/// </summary>
internal sealed class SampleBackendMiddleware(
    string version,
    CallRecorder calls,
    FaultInjector faults,
    TimeProvider timeProvider,
    ILogger logger)
{
    public const string VersionHeader = "x-backend-version";

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        // OnStarting runs once the handler chose its headers, so the label is also on a Trailers-Only reply.
        context.Response.OnStarting(static state =>
        {
            var (response, label) = ((HttpResponse, string))state;
            response.Headers[VersionHeader] = label;
            return Task.CompletedTask;
        }, (context.Response, version));

        if (!IsGrpc(context.Request.ContentType))
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        var method = context.Request.Path.Value ?? string.Empty;
        calls.Record(method, context.Request, timeProvider.GetUtcNow());
        if (faults.Select(method) is not { } fault)
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        SampleBackendLog.FaultInjected(logger, method, fault.Status, fault.AfterMessages, fault.Latency);
        if (context.GetEndpoint()?.Metadata.GetMetadata<GrpcMethodMetadata>() is not null)
        {
            context.Features.Set(new InjectedFaultFeature(fault));
            await next(context).ConfigureAwait(false);
            return;
        }

        await FailUnknownMethodAsync(context, next, fault).ConfigureAwait(false);
    }

    /// <summary>
    /// A method without a service: wait out the latency (no grpc-dotnet call exists to enforce grpc-timeout; the client's
    /// own deadline ends the wait), then answer the status Trailers-Only, or UNIMPLEMENTED as usual when the rule has none.
    /// </summary>
    private async Task FailUnknownMethodAsync(HttpContext context, RequestDelegate next, FaultRule fault)
    {
        if (fault.Latency > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(fault.Latency, timeProvider, context.RequestAborted).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
                // The client gave up while we waited; nobody is left to answer.
                return;
            }
        }

        if (fault.Status is not { } status)
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        // Trailers-Only (PROTOCOL-HTTP2.md): status and percent-encoded message in the only HEADERS frame.
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/grpc";
        response.Headers["grpc-status"] = ((int)status).ToString(CultureInfo.InvariantCulture);
        response.Headers["grpc-message"] = Uri.EscapeDataString(fault.EffectiveMessage);
        await response.CompleteAsync().ConfigureAwait(false);
    }

    /// <summary>application/grpc, alone or followed by "+codec" or parameters.</summary>
    private static bool IsGrpc(string? contentType) =>
        contentType is not null
        && contentType.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase)
        && (contentType.Length == "application/grpc".Length || contentType["application/grpc".Length] is '+' or ';');
}
