using MeshProxy.Hosting;
using MeshProxy.TestSupport;

namespace MeshProxy.FunctionalTests.Infrastructure;

/// <summary>
/// One sidecar on port 0 in front of six grpc-js backends (b0..b5) and one dead port, shared by the tests of
/// <see cref="SidecarCollection"/>. The routes are written in the reverse of their precedence on purpose.
/// </summary>
public sealed class SidecarFixture : IAsyncLifetime
{
    private NodeBackends? _backends;
    private HangingBackend? _hanging;
    private MeshProxyServer? _proxy;

    public XunitLoggerProvider Logs { get; } = new(output: null);

    public NodeBackends Backends => _backends ?? throw new InvalidOperationException("Not started.");

    public HangingBackend Hanging => _hanging ?? throw new InvalidOperationException("Not started.");

    internal MeshProxyServer Proxy => _proxy ?? throw new InvalidOperationException("Not started.");

    public Uri GrpcAddress => Proxy.Address(ListenerName.Grpc);

    public async Task InitializeAsync()
    {
        _backends = await NodeBackends.StartAsync(6);
        _hanging = await HangingBackend.StartAsync().DefaultTimeout();
        _proxy = await MeshProxyServer.StartAsync(Config(_backends.Ports, _hanging.Port, LoopbackPort.Unused()), Logs).DefaultTimeout();
    }

    public async Task DisposeAsync()
    {
        if (_proxy is not null)
        {
            await _proxy.DisposeAsync();
        }

        if (_backends is not null)
        {
            await _backends.DisposeAsync();
        }

        if (_hanging is not null)
        {
            await _hanging.DisposeAsync();
        }
    }


    private static string Config(IReadOnlyList<int> ports, int hangingPort, int deadPort) => $$"""
        version: "functional-tests"
        listeners:
          grpc:  { address: 127.0.0.1, port: 0 }
          rest:  { address: 127.0.0.1, port: 0 }
          ops:   { address: 127.0.0.1, port: 0 }
          admin: { address: 127.0.0.1, port: 0 }
        routes:
          # Precedence: least specific first in the file.
          - name: payments-regex
            match: { regex: '/payments\.v1\.PaymentService/(BatchCharge|PaymentChat)' }
            cluster: b4
          - name: inventory-regex
            match: { regex: '/inventory\.v1\..*' }
            cluster: b4
          - name: inventory-prefix-short
            match: { prefix: /inventory.v1. }
            cluster: b3
          - name: inventory-prefix-long
            match: { prefix: /inventory.v1.InventoryService/Check }
            cluster: b2
          - name: users-service
            match: { method: /users.v1.UserService/* }
            cluster: b1
          - name: users-get
            match: { method: /users.v1.UserService/GetUser }
            cluster: b0
          # Header matchers on UpdateUser; without a match it falls back to users-service (b1).
          - name: update-tenant-exact
            match: { method: /users.v1.UserService/UpdateUser, headers: [ { name: x-tenant, exact: acme } ] }
            cluster: b2
          - name: update-tenant-prefix
            match: { method: /users.v1.UserService/UpdateUser, headers: [ { name: x-tenant, prefix: beta- } ] }
            cluster: b3
          - name: update-tenant-regex
            match: { method: /users.v1.UserService/UpdateUser, headers: [ { name: x-tenant, regex: 'gamma-[0-9]+' } ] }
            cluster: b4
          - name: update-debug-present
            match: { method: /users.v1.UserService/UpdateUser, headers: [ { name: x-debug, present: true } ] }
            cluster: b0
          - name: update-blocked-absent
            match: { method: /users.v1.UserService/UpdateUser, headers: [ { name: x-blocked, present: false } ] }
            cluster: b5
          # More header matchers win over file order.
          - name: delete-tenant
            match: { method: /users.v1.UserService/DeleteUser, headers: [ { name: x-tenant, exact: acme } ] }
            cluster: b3
          - name: delete-tenant-region
            match: { method: /users.v1.UserService/DeleteUser, headers: [ { name: x-tenant, exact: acme }, { name: x-region, exact: eu } ] }
            cluster: b2
          - name: charge-with-timeout
            match: { method: /payments.v1.PaymentService/ChargeCard }
            cluster: b5
            timeout: 300ms
          - name: hang
            match: { method: /hang.v1.Hang/Call }
            cluster: hang
          - name: hang-with-timeout
            match: { method: /hang.v1.Hang/WithRouteTimeout }
            cluster: hang
            timeout: 300ms
          - name: hang-idle
            match: { method: /hang.v1.Hang/Idle }
            cluster: hang
            streamIdleTimeout: 300ms
          - name: inventory-updates-down
            match: { method: /inventory.v1.InventoryService/StreamInventoryUpdates }
            cluster: down
        clusters:
          b0: { destinations: [ { address: "http://127.0.0.1:{{ports[0]}}" } ] }
          b1: { destinations: [ { address: "http://127.0.0.1:{{ports[1]}}" } ] }
          b2: { destinations: [ { address: "http://127.0.0.1:{{ports[2]}}" } ] }
          b3: { destinations: [ { address: "http://127.0.0.1:{{ports[3]}}" } ] }
          b4: { destinations: [ { address: "http://127.0.0.1:{{ports[4]}}" } ] }
          b5: { destinations: [ { address: "http://127.0.0.1:{{ports[5]}}" } ] }
          hang: { destinations: [ { address: "http://127.0.0.1:{{hangingPort}}" } ] }
          down: { destinations: [ { address: "http://127.0.0.1:{{deadPort}}" } ], connectTimeout: 2s }
        """;
}
