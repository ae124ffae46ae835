using MeshProxy.Configuration;
using MeshProxy.Discovery;
using MeshProxy.Discovery.Kube;

namespace MeshProxy.Tests.Discovery;

/// <summary>Which endpoints of a Service's EndpointSlices become destinations, on which port, under which name.</summary>
public sealed class EndpointSliceDestinationsTests
{
    [Fact]
    public void From_ReadyUnsetNotReadyAndTerminating_OnlyReadyOrUnsetTakeCalls()
    {
        var slice = Slice("IPv4", [Port("grpc", 50051)],
            Endpoint("10.0.0.1", "users-a", ready: true),
            Endpoint("10.0.0.2", "users-b", ready: null),
            Endpoint("10.0.0.3", "users-c", ready: false, serving: false),
            Endpoint("10.0.0.4", "users-d", ready: false, serving: true, terminating: true));

        var (ready, terminating) = EndpointSliceDestinations.From([slice], "grpc");

        Assert.Equal([new DestinationConfig("users-a", "http://10.0.0.1:50051"), new DestinationConfig("users-b", "http://10.0.0.2:50051")], ready);
        Assert.Equal(1, terminating);
    }

    [Theory]
    [InlineData("grpc", 50051)]
    [InlineData("metrics", 9090)]
    [InlineData("8443", 8443)]
    public void From_PortByNameOrNumber_ThatPort(string port, int expected)
    {
        var slice = Slice("IPv4", [Port("grpc", 50051), Port("metrics", 9090)], Endpoint("10.0.0.1", "users-a"));

        Assert.Equal($"http://10.0.0.1:{expected}", EndpointSliceDestinations.From([slice], port).Ready.Single().Address);
    }

    [Fact]
    public void From_NoPortGivenAndSeveralPorts_NoDestinationRatherThanAGuess()
    {
        var slice = Slice("IPv4", [Port("grpc", 50051), Port("metrics", 9090)], Endpoint("10.0.0.1", "users-a"));

        Assert.Empty(EndpointSliceDestinations.From([slice], null).Ready);
        Assert.Single(EndpointSliceDestinations.From([Slice("IPv4", [Port("grpc", 50051)], Endpoint("10.0.0.1", "users-a"))], null).Ready);
    }

    [Fact]
    public void From_Ipv6FqdnAndDuplicateAcrossSlices_BracketedSkippedAndCountedOnce()
    {
        var first = Slice("IPv6", [Port("grpc", 50051)], Endpoint("fd00::1", "users-a"));
        var fqdn = Slice("FQDN", [Port("grpc", 50051)], Endpoint("users.example.com", "users-x"));
        var again = Slice("IPv6", [Port("grpc", 50051)], Endpoint("fd00::1", "users-a"));
        var nameless = Slice("IPv4", [Port("grpc", 50051)], Endpoint("10.0.0.9", null));

        var (ready, _) = EndpointSliceDestinations.From([first, fqdn, again, nameless], "grpc");

        Assert.Equal([new DestinationConfig("10.0.0.9:50051", "http://10.0.0.9:50051"), new DestinationConfig("users-a", "http://[fd00::1]:50051")], ready);
    }

    private static EndpointSlice Slice(string addressType, IReadOnlyList<EndpointPort> ports, params SliceEndpoint[] endpoints) =>
        new() { AddressType = addressType, Ports = ports, Endpoints = endpoints, Metadata = new ObjectMeta { Name = "s" } };

    private static EndpointPort Port(string name, int port) => new() { Name = name, Port = port };

    private static SliceEndpoint Endpoint(string ip, string? pod, bool? ready = true, bool? serving = true, bool? terminating = false) => new()
    {
        Addresses = [ip],
        Conditions = new EndpointConditions { Ready = ready, Serving = serving, Terminating = terminating },
        TargetRef = pod is null ? null : new ObjectReference { Kind = "Pod", Name = pod },
    };
}
