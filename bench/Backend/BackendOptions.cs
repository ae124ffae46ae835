using System.Globalization;

namespace MeshProxy.Bench.Backend;

/// <summary>Command line of the bench backend.</summary>
internal sealed record BackendOptions(int GrpcPort, int SinkPort, int StreamMessages)
{
    public static BackendOptions Parse(string[] args)
    {
        int grpcPort = 0, sinkPort = 0, streamMessages = 100;
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            var value = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
            switch (args[i])
            {
                case "--grpc-port": grpcPort = value; break;
                case "--sink-port": sinkPort = value; break;
                case "--stream-messages": streamMessages = value; break;
                default: throw new ArgumentException($"unknown option '{args[i]}'", nameof(args));
            }
        }

        return new BackendOptions(grpcPort, sinkPort, streamMessages);
    }
}
