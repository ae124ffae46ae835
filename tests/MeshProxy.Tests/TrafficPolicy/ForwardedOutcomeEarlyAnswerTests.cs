using MeshProxy.Grpc;
using MeshProxy.Routing;
using MeshProxy.TrafficPolicy;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;

namespace MeshProxy.Tests.TrafficPolicy;

/// <summary>
/// A destination that answers Trailers-Only before reading the request body makes YARP report a request-body error
/// after a complete answer; passive health must go by the answer, or INVALID_ARGUMENT would eject hosts.
/// </summary>
public sealed class ForwardedOutcomeEarlyAnswerTests
{
    [Theory]
    [InlineData(ForwarderError.RequestBodyDestination, StatusCode.InvalidArgument, "Success")]
    [InlineData(ForwarderError.RequestBodyClient, StatusCode.InvalidArgument, "Success")]
    [InlineData(ForwarderError.RequestBodyDestination, StatusCode.Unavailable, "GatewayFailure")]
    [InlineData(ForwarderError.RequestBodyClient, StatusCode.Internal, "ServerError")]
    [InlineData(ForwarderError.RequestBodyCanceled, StatusCode.OK, "Success")]
    public void Classify_RequestBodyErrorAfterTrailersOnlyAnswer_GoesByGrpcStatus(ForwarderError error, StatusCode status, string expected)
    {
        var context = new DefaultHttpContext();
        context.Response.StatusCode = 200;
        context.Response.Headers[GrpcProtocol.StatusHeader] = ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture);

        Assert.Equal(Enum.Parse<AttemptOutcome>(expected), ForwardedOutcome.Classify(context, error, deadlineExpired: false));
    }

    [Fact]
    public void Classify_RequestBodyDestinationWithoutAnswer_GatewayFailure()
    {
        var context = new DefaultHttpContext();

        Assert.Equal(AttemptOutcome.GatewayFailure, ForwardedOutcome.Classify(context, ForwarderError.RequestBodyDestination, deadlineExpired: false));
    }
}
