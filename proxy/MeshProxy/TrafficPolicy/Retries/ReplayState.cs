namespace MeshProxy.TrafficPolicy.Retries;

/// <summary>Whether a failed attempt's request body can be sent again (see <see cref="ReplayBody"/>).</summary>
internal enum ReplayState
{
    /// <summary>No byte was read from the caller yet (connect failure, refused stream): the next attempt reads it.</summary>
    NotStarted,

    /// <summary>The caller's whole body is buffered: the next attempt replays it.</summary>
    Complete,

    /// <summary>The caller was still sending, or the copy broke: no retry.</summary>
    Incomplete,

    /// <summary>The body passed the buffer limit: no retry.</summary>
    TooLarge,
}
