using MeshProxy.Grpc;
using MeshProxy.TrafficPolicy;
using Xunit;
using Yarp.ReverseProxy.Forwarder;

namespace MeshProxy.Tests.TrafficPolicy;

public sealed class AttemptOutcomeTests
{
    [Theory]
    [InlineData(StatusCode.OK, AttemptOutcome.Success)]
    [InlineData(StatusCode.InvalidArgument, AttemptOutcome.Success)]
    [InlineData(StatusCode.NotFound, AttemptOutcome.Success)]
    [InlineData(StatusCode.AlreadyExists, AttemptOutcome.Success)]
    [InlineData(StatusCode.PermissionDenied, AttemptOutcome.Success)]
    [InlineData(StatusCode.Unimplemented, AttemptOutcome.Success)]
    [InlineData(StatusCode.ResourceExhausted, AttemptOutcome.Success)]
    [InlineData(StatusCode.Unavailable, AttemptOutcome.GatewayFailure)]
    [InlineData(StatusCode.Internal, AttemptOutcome.ServerError)]
    [InlineData(StatusCode.Unknown, AttemptOutcome.ServerError)]
    [InlineData(StatusCode.DataLoss, AttemptOutcome.ServerError)]
    [InlineData(StatusCode.DeadlineExceeded, AttemptOutcome.ServerError)]
    internal void Grpc_statuses_are_classified_by_what_they_say_about_the_host(StatusCode status, AttemptOutcome expected) =>
        Assert.Equal(expected, AttemptOutcomes.FromResponse(200, status));

    [Theory]
    [InlineData(502, AttemptOutcome.GatewayFailure)]
    [InlineData(503, AttemptOutcome.GatewayFailure)]
    [InlineData(504, AttemptOutcome.GatewayFailure)]
    [InlineData(500, AttemptOutcome.ServerError)]
    [InlineData(200, AttemptOutcome.ServerError)]
    [InlineData(404, AttemptOutcome.Success)]
    internal void Http_statuses_without_grpc_status(int httpStatus, AttemptOutcome expected) =>
        Assert.Equal(expected, AttemptOutcomes.FromResponse(httpStatus, grpcStatus: null));

    [Fact]
    public void Caller_side_forwarding_errors_say_nothing_about_the_destination()
    {
        Assert.Equal(AttemptOutcome.GatewayFailure, AttemptOutcomes.FromForwarderError(ForwarderError.Request));
        Assert.Equal(AttemptOutcome.GatewayFailure, AttemptOutcomes.FromForwarderError(ForwarderError.ResponseBodyDestination));
        Assert.Null(AttemptOutcomes.FromForwarderError(ForwarderError.RequestCanceled));
        Assert.Null(AttemptOutcomes.FromForwarderError(ForwarderError.RequestBodyClient));
        Assert.Null(AttemptOutcomes.FromForwarderError(ForwarderError.ResponseBodyClient));
    }

    [Fact]
    public void Consecutive_counts_reset_on_success_and_gateway_count_resets_on_a_server_error()
    {
        var destination = new DestinationState("d", "http://d");
        destination.Record(AttemptOutcome.GatewayFailure);
        destination.Record(AttemptOutcome.GatewayFailure);
        Assert.Equal((2, 2), (destination.ConsecutiveGatewayFailures, destination.ConsecutiveServerErrors));

        destination.Record(AttemptOutcome.ServerError);
        Assert.Equal((0, 3), (destination.ConsecutiveGatewayFailures, destination.ConsecutiveServerErrors));

        destination.Record(AttemptOutcome.Success);
        Assert.Equal((0, 0), (destination.ConsecutiveGatewayFailures, destination.ConsecutiveServerErrors));
    }
}
