using System.Globalization;
using System.Net;
using System.Net.Sockets;
using MeshProxy.Bench.Relay;

// meshproxy-bench-relay PORT BACKEND_PORT MODE: every connection to 127.0.0.1:PORT gets its own connection to
// 127.0.0.1:BACKEND_PORT, and what comes on either is passed to the other at once.
//   tcp-pool: bytes; each completed read goes from the runtime's socket event thread to a thread-pool worker (.NET's
//             default).
//   tcp:      bytes; reads complete on the event thread and the send is issued there (MeshProxy's upstream sockets).
//   h2:       as tcp, frame by frame: every header block is decoded and encoded again (FrameCopy), the rest is copied.
//   h2-pool:  as h2, with each read handed to a thread-pool worker.
//   kestrel:  Kestrel's HTTP/2 server with a forwarding step on its request features, onto one multiplexed backend
//             connection (KestrelFront): a relay's server side as Kestrel, without ASP.NET Core's pipeline or YARP.
//   aspnet:   the same step as ASP.NET Core's one terminal middleware.
//   lean:     that middleware forwarding onto MeshProxy's own lean client (LeanForwarding), without YARP.
//   invoker:  an HttpRequestMessage through an HttpMessageInvoker onto the same connection (MuxHandler), copied back
//             by a step of our own (InvokerForwarding).
//   yarp:     YARP's forwarder onto the same invoker.
RelayMode? mode = args.Length != 3 ? null : args[2] switch
{
    "tcp-pool" => RelayMode.TcpPool,
    "tcp" => RelayMode.Tcp,
    "h2" => RelayMode.H2,
    "h2-pool" => RelayMode.H2Pool,
    "kestrel" => RelayMode.Kestrel,
    "aspnet" => RelayMode.AspNet,
    "lean" => RelayMode.Lean,
    "invoker" => RelayMode.Invoker,
    "yarp" => RelayMode.Yarp,
    _ => null,
};
if (mode is null)
{
    Console.Error.WriteLine("usage: meshproxy-bench-relay PORT BACKEND_PORT tcp-pool|tcp|h2|h2-pool|kestrel|aspnet|lean|invoker|yarp");
    return 2;
}

var backend = new IPEndPoint(IPAddress.Loopback, int.Parse(args[1], CultureInfo.InvariantCulture));
if (mode is RelayMode.Kestrel or RelayMode.AspNet or RelayMode.Lean or RelayMode.Invoker or RelayMode.Yarp)
{
    await KestrelFront.RunAsync(int.Parse(args[0], CultureInfo.InvariantCulture), backend, mode.Value).ConfigureAwait(false);
    return 0;
}

using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
listener.Bind(new IPEndPoint(IPAddress.Loopback, int.Parse(args[0], CultureInfo.InvariantCulture)));
listener.Listen(512);
while (true)
{
    var caller = await listener.AcceptAsync().ConfigureAwait(false);
    _ = ConnectionPair.RunAsync(caller, backend, mode.Value);
}
