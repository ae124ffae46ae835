namespace MeshProxy.Cli;

/// <summary>The text of <c>meshproxy --help</c>.</summary>
internal static class HelpText
{
    public const string Usage = """
        Usage: meshproxy [COMMAND] [OPTIONS]

        Commands:
          run --config FILE   Run the sidecar on a config file (the default command).
          validate FILE       Check a config file without starting; prints every error with its path.
          canary set FILE ROUTE CLUSTER=WEIGHT...
                              Set a route's canary weights in place (validated, atomic write; a live sidecar reloads it).
          canary show FILE    Print each route's split: cluster=weight (percentage).
          demo                Start the sample backends and a sidecar routing to them; Ctrl+C stops all.
          inject [FILE|-]     Add the sidecar to Kubernetes manifests (--uninject removes it); writes to stdout.
          call ADDRESS METHOD Call a gRPC method with JSON in and out, like grpcurl (see meshproxy call --help).
          call ADDRESS list|describe  List a server's services or describe a symbol, through its gRPC reflection.
          convert ...         Convert between protobuf binary and ProtoJSON (see meshproxy convert --help).
          --help              Show this text.

        Exit codes: 0 ok, 1 runtime or validation failure, 2 usage error.

        """;
}
