using System.Buffers;

namespace MeshProxy.Transcoding.Json;

/// <summary>Where a cached <see cref="System.Text.Json.Utf8JsonWriter"/> points between calls, so it holds no caller's buffer.</summary>
internal sealed class NullBufferWriter : IBufferWriter<byte>
{
    public static readonly NullBufferWriter Instance = new();

    public void Advance(int count)
    {
    }

    public Memory<byte> GetMemory(int sizeHint = 0) => new byte[Math.Max(sizeHint, 1)];

    public Span<byte> GetSpan(int sizeHint = 0) => new byte[Math.Max(sizeHint, 1)];
}
