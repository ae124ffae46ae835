using System.Buffers;

namespace MeshProxy.Transcoding.Rules;

/// <summary>
/// Presents <c>prefix + body + suffix</c> as one <see cref="ReadOnlySequence{T}"/> without copying the body: a body
/// that fills one field (<c>body: "user"</c>) is read as <c>{"user": BODY}</c> by the codec.
/// </summary>
internal static class JsonBodySequence
{
    public static ReadOnlySequence<byte> Wrap(ReadOnlyMemory<byte> prefix, ReadOnlySequence<byte> body, ReadOnlyMemory<byte> suffix)
    {
        var first = new Segment(prefix, 0);
        var last = first;
        foreach (var memory in body)
        {
            if (!memory.IsEmpty)
            {
                last = last.Append(memory);
            }
        }

        last = last.Append(suffix);
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
