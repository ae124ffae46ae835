namespace MeshProxy.IO;

/// <summary>
/// What a body stream waits for before each read: here, the caller's side taking what was last written to it
/// (<c>Routing/WriteBehindBody</c>), so that a copy loop waits with its buffer given back rather than held.
/// </summary>
internal interface IReadPacer
{
    /// <summary>True when a read may go ahead now (nothing outstanding, or it has just finished).</summary>
    bool Ready { get; }

    /// <summary>Completes when the reader may read; completes at once when nothing is outstanding. Never throws.</summary>
    ValueTask WhenReadyAsync();
}
