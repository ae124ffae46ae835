using MeshProxy.FunctionalTests.Infrastructure;
using MeshProxy.Hosting;
using MeshProxy.Protection;
using MeshProxy.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace MeshProxy.FunctionalTests.Protection;

/// <summary>A sidecar with every listener on port 0, users.v1 transcoded on the REST listener, and the given limits (the defaults when none).</summary>
internal static class ProtectionStack
{
    public static Task<MeshProxyServer> StartAsync(XunitLoggerProvider logs, int backendPort, ProtectionOptions? options = null) => MeshProxyServer.StartAsync($$"""
        {{SampleStack.LoopbackListeners}}
        routes:
          - name: users
            match: { prefix: / }
            cluster: users
        clusters:
          users: { destinations: [ { address: "http://127.0.0.1:{{backendPort}}" } ] }
        transcoding:
          descriptorSets: [builtin]
          services: [users.v1.UserService]
        """, logs, configureServices: services => services.AddSingleton(options ?? ProtectionOptions.Default)).DefaultTimeout();
}
