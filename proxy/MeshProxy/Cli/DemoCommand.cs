using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using MeshProxy.Configuration;
using MeshProxy.Hosting;

namespace MeshProxy.Cli;

/// <summary>
/// <c>meshproxy demo</c>: starts the two sample backends (v1 on 50051, v2 on 50052) as child processes from this
/// output folder, waits until both accept connections, then runs the sidecar on the embedded config/demo.yaml.
/// The children are killed on every way out: Ctrl+C, a failed start, or a backend that never comes up.
/// </summary>
internal static class DemoCommand
{
    /// <summary>How long the backends get to accept connections.</summary>
    public static readonly TimeSpan BackendStartTimeout = TimeSpan.FromSeconds(20);

    private static readonly (int Port, string Version)[] Backends = [(50051, "v1"), (50052, "v2")];

    public static async Task<int> RunAsync(string[] args, CommandContext context)
    {
        if (args.Length != 0)
        {
            context.Error.WriteLine("Usage: meshproxy demo");
            return ExitCodes.Usage;
        }

        var load = ConfigLoader.Load(ReadEmbeddedConfig());
        if (!load.Succeeded)
        {
            // The embedded config is ours: failing here is a bug in the build, reported as such.
            throw new ConfigLoadException(load.Errors);
        }

        var backendDll = Path.Combine(AppContext.BaseDirectory, "MeshProxy.SampleBackends.dll");
        if (!File.Exists(backendDll))
        {
            context.Error.WriteLine($"meshproxy demo: the sample backends are missing ({backendDll}).");
            return ExitCodes.Failure;
        }

        var children = new List<Process>();
        try
        {
            foreach (var (port, version) in Backends)
            {
                children.Add(StartBackend(backendDll, port, version));
            }

            foreach (var ((port, version), child) in Backends.Zip(children))
            {
                var failure = await WaitForPortAsync(child, port, context.Cancellation).ConfigureAwait(false);
                if (failure is not null)
                {
                    context.Error.WriteLine($"meshproxy demo: sample backend {version} on port {port} {failure}.");
                    return ExitCodes.Failure;
                }
            }

            return await RunCommand.ServeAsync(load.Config, context, server => PrintCalls(server, context.Out)).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.Cancellation.IsCancellationRequested)
        {
            // Ctrl+C while the backends were starting.
            return ExitCodes.Ok;
        }
        finally
        {
            foreach (var child in children)
            {
                Stop(child);
            }
        }
    }

    /// <summary>The text of config/demo.yaml, embedded in the executable.</summary>
    internal static string ReadEmbeddedConfig()
    {
        using var stream = typeof(DemoCommand).Assembly.GetManifestResourceStream("MeshProxy.demo.yaml")
            ?? throw new InvalidOperationException("The embedded resource MeshProxy.demo.yaml is missing from the build.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static Process StartBackend(string dll, int port, string version)
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false };
        foreach (var argument in new[] { dll, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--version", version })
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start) ?? throw new InvalidOperationException($"Could not start {dll}.");
    }

    /// <summary>Null once the port accepts a connection; otherwise why it never will.</summary>
    private static async Task<string?> WaitForPortAsync(Process child, int port, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < BackendStartTimeout)
        {
            if (child.HasExited)
            {
                return $"exited with code {child.ExitCode} before accepting connections";
            }

            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                attempt.CancelAfter(TimeSpan.FromSeconds(1));
                await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), attempt.Token).ConfigureAwait(false);
                return null;
            }
            catch (SocketException)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }
        }

        return $"did not accept connections within {BackendStartTimeout.TotalSeconds:0}s";
    }

    private static void Stop(Process child)
    {
        try
        {
            if (!child.HasExited)
            {
                child.Kill(entireProcessTree: true);
                child.WaitForExit(TimeSpan.FromSeconds(5));
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        finally
        {
            child.Dispose();
        }
    }

    private static void PrintCalls(MeshProxyServer server, TextWriter output)
    {
        var grpc = server.Address(ListenerName.Grpc);
        var prefix = DemoCalls.CommandPrefix();
        var calls = new System.Text.StringBuilder();
        foreach (var call in DemoCalls.All)
        {
            calls.Append("  # ").AppendLine(call.Description)
                .Append("  ").AppendLine(DemoCalls.Format(call, prefix, grpc.Authority));
        }

        var rest = server.Address(ListenerName.Rest).Authority;
        foreach (var call in DemoCalls.Rest)
        {
            calls.Append("  # ").AppendLine(call.Description)
                .Append("  ").AppendLine(DemoCalls.Format(call, rest));
        }

        calls.Append("  # REST: the OpenAPI document of every REST route").AppendLine()
            .Append("  curl -sS http://").Append(rest).AppendLine("/openapi.json");

        // Server reflection answered by the sidecar itself (reflection.enabled in config/demo.yaml), as grpcurl would ask.
        calls.AppendLine("  # gRPC server reflection from the sidecar: the services it routes, then one service's methods")
            .Append("  ").Append(prefix).Append(" call ").Append(grpc.Authority).AppendLine(" list")
            .Append("  ").Append(prefix).Append(" call ").Append(grpc.Authority).AppendLine(" list users.v1.UserService");

        // Browser protocols on the REST listener (browser: in config/demo.yaml): the same call as Connect JSON, and as
        // gRPC-Web text (base64 of one frame holding GetUserRequest{user_id: "u-1001"}; the reply ends in a trailer frame).
        calls.AppendLine("  # Browsers: the same call over the Connect protocol (JSON), and over gRPC-Web (base64 text)")
            .Append("  curl -sS -H 'content-type: application/json' -H 'connect-protocol-version: 1' -d '{\"userId\":\"u-1001\"}' http://")
            .Append(rest).AppendLine("/users.v1.UserService/GetUser")
            .Append("  curl -sS -H 'content-type: application/grpc-web-text' -H 'accept: application/grpc-web-text' -d AAAAAAgKBnUtMTAwMQ== http://")
            .Append(rest).AppendLine("/users.v1.UserService/GetUser");

        calls.AppendLine("  # In a browser: the API docs (try any REST route) and the admin page (routes, weights, ejections)")
            .Append("  http://").Append(rest).AppendLine("/docs")
            .Append("  http://").Append(server.Address(ListenerName.Admin).Authority).AppendLine("/");

        output.WriteLine($"""

            MeshProxy demo is up. gRPC (h2c) on {grpc.Authority}, REST on {server.Address(ListenerName.Rest).Authority},
            probes on {server.Address(ListenerName.Ops)}healthz/ready, config dump on {server.Address(ListenerName.Admin)}config.
            users.v1.UserService goes 90% to v1 and 10% to v2; send x-canary: true to always reach v2.

            Try, in another terminal (meshproxy call --help lists its options):
            {calls.ToString().TrimEnd()}
              curl http://{server.Address(ListenerName.Admin).Authority}/config

            Ctrl+C stops the sidecar and the backends.
            """);
    }
}
