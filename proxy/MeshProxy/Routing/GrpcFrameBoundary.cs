using MeshProxy.Grpc;
using MeshProxy.Grpc.Framing;

namespace MeshProxy.Routing;

/// <summary>
/// Follows the length-prefixed messages of a gRPC body as its bytes pass (PROTOCOL-HTTP2.md, Length-Prefixed-Message:
/// 1 flag byte, 4 length bytes, payload), so the proxy knows whether what it forwarded so far ends between messages.
/// </summary>
internal sealed class GrpcFrameBoundary
{
    private readonly byte[] _prefix = new byte[GrpcProtocol.MessagePrefixLength];
    private int _prefixRead;
    private long _payloadLeft;

    /// <summary>True when every message begun has been forwarded whole.</summary>
    public bool AtBoundary => _prefixRead == 0 && _payloadLeft == 0;

    public void Advance(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            if (_payloadLeft > 0)
            {
                var take = (int)Math.Min(_payloadLeft, data.Length);
                _payloadLeft -= take;
                data = data[take..];
                continue;
            }

            var copy = Math.Min(_prefix.Length - _prefixRead, data.Length);
            data[..copy].CopyTo(_prefix.AsSpan(_prefixRead));
            _prefixRead += copy;
            data = data[copy..];
            if (_prefixRead == _prefix.Length)
            {
                _prefixRead = 0;
                _payloadLeft = GrpcMessagePrefix.Read(_prefix).Length;
            }
        }
    }
}
