namespace MeshProxy.Protection;

/// <summary>The frame kinds <see cref="Http2FloodDetector"/> budgets; the <c>frame</c> label of the GOAWAY metric.</summary>
internal enum Http2FloodFrame
{
    None,
    RstStream,
    Ping,
    Settings,
    Priority,
    WindowUpdate,
    EmptyFrames,
    Continuation,
}
